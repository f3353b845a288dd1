import { Injectable, Logger } from '@nestjs/common';
import type { ReadResourceResult } from '@modelcontextprotocol/client';

import type { Principal } from '../auth/principal';
import { AppException } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ErrorCode } from '../contract/error-code';
import type { ToolContent } from '../contract/events';
import type { McpTool, ToolResult } from '../mcp/client/mcp-tool';
import { UI_MIME_TYPE, viewPolicy, viewResource } from '../mcp/extensions/mcp-apps';
import { ArtifactStore } from './artifact-store';
import type { ViewRecord } from './artifact-store';
import { ArtifactsService } from './artifacts.service';

/** How long a ticket opens a view's document: enough for the iframe to load it, once. */
export const VIEW_TICKET_TTL_MS = 30_000;
const TICKET = /^[\w-]{32}$/;

/** What the page needs to render a view and run its bridge. */
export interface OpenedView extends ViewRecord {
  /** GET: the view's document, once, until expires_at (an iframe cannot send a credential). */
  document_url: string;
  expires_at: string;
}

/**
 * MCP Apps views, kept like artifacts: a tool call that has a view keeps the view's HTML with the
 * call (arguments and the server's result), under a URL only the session's owner opens. The
 * document itself is served once per ticket, in a sandbox with the CSP its server declared.
 */
@Injectable()
export class ViewsService {
  private readonly logger = new Logger(ViewsService.name);

  constructor(
    private readonly store: ArtifactStore,
    private readonly artifacts: ArtifactsService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  /**
   * The tool_call event's `app` item for a call of a tool with a view: the view read through `read`
   * (the session's client of its server) and kept; a view that cannot be shown says why in `note`.
   */
  async keep(
    session: { id: string; owner: string },
    tool: McpTool,
    args: Record<string, unknown>,
    result: ToolResult,
    read: (uri: string) => Promise<ReadResourceResult>,
  ): Promise<ToolContent | undefined> {
    if (!tool.view || !result.raw || result.is_error) {
      return undefined;
    }
    const item: ToolContent = { type: 'app', uri: tool.view, mime_type: UI_MIME_TYPE };
    let view;
    try {
      view = viewResource(tool.view, await read(tool.view));
    } catch (error) {
      return { ...item, note: `the view could not be read: ${(error as Error).message}` };
    }
    if (!view) {
      return { ...item, note: `the server gave no ${UI_MIME_TYPE} document at ${tool.view}` };
    }
    if (view.refused.length > 0) {
      this.logger.warn(
        `MCP server "${tool.server}" declared CSP sources that are not origins: ${view.refused.join(', ')}`,
      );
    }
    const record: ViewRecord = {
      uri: view.uri,
      csp: view.csp,
      permissions: view.permissions,
      ...(view.prefers_border !== undefined ? { prefers_border: view.prefers_border } : {}),
      server: tool.server,
      tool: { name: tool.tool, description: tool.description, input_schema: tool.input_schema },
      arguments: args,
      result: result.raw,
    };
    const data = Buffer.from(view.html);
    const size = data.length + JSON.stringify(record).length;
    if (size > this.config.ARTIFACT_MAX_BYTES) {
      return { ...item, size, note: `larger than ARTIFACT_MAX_BYTES (${this.config.ARTIFACT_MAX_BYTES}): not kept` };
    }
    const artifact = { session_id: session.id, owner: session.owner, mime_type: UI_MIME_TYPE, data, name: view.uri };
    const id = await this.store.put({ ...artifact, view: record }, this.config.ARTIFACT_TTL_MS);
    return {
      ...item,
      url: `/api/v3/sessions/${encodeURIComponent(session.id)}/views/${id}`,
      ...(view.prefers_border !== undefined ? { prefers_border: view.prefers_border } : {}),
    };
  }

  /** A view of a session the caller may read, with a fresh ticket for its document; NOT_FOUND otherwise. */
  async open(principal: Principal, sessionId: string, viewId: string): Promise<OpenedView> {
    const view = await this.record(principal, sessionId, viewId);
    const ticket = await this.store.ticket({ session_id: sessionId, id: viewId }, VIEW_TICKET_TTL_MS);
    return {
      ...view,
      document_url: `/api/v3/views/${ticket}`,
      expires_at: new Date(Date.now() + VIEW_TICKET_TTL_MS).toISOString(),
    };
  }

  /** The record of a view of a session the caller may read; NOT_FOUND otherwise. */
  async record(principal: Principal, sessionId: string, viewId: string): Promise<ViewRecord> {
    const notFound = () =>
      new AppException(
        ErrorCode.NOT_FOUND,
        `View ${viewId} of session ${sessionId} not found (views last ARTIFACT_TTL_MS)`,
      );
    const artifact = await this.artifacts.read(principal, sessionId, viewId).catch((error: unknown) => {
      // A missing artifact is a missing view; the store being away stays what it is.
      throw error instanceof AppException && error.code === ErrorCode.NOT_FOUND ? notFound() : error;
    });
    if (!artifact.view) {
      throw notFound();
    }
    return artifact.view;
  }

  /** The document a ticket opens (the first time only), and the Content-Security-Policy it gets. */
  async document(ticket: string): Promise<{ html: Buffer; policy: string }> {
    const target = TICKET.test(ticket) ? await this.store.redeem(ticket) : undefined;
    const artifact = target && (await this.store.get(target.session_id, target.id));
    if (!artifact?.view) {
      throw new AppException(
        ErrorCode.NOT_FOUND,
        'View ticket unknown, used or expired: POST /api/v3/sessions/:id/views/:viewId/open gives another',
      );
    }
    return { html: artifact.data, policy: viewPolicy(artifact.view.csp) };
  }
}
