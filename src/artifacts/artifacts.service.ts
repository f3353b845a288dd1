import { Injectable, Logger } from '@nestjs/common';

import type { Principal } from '../auth/principal';
import { AppException } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ErrorCode } from '../contract/error-code';
import type { ToolContent } from '../contract/events';
import type { ToolMedia, ToolResult } from '../mcp/client/mcp-tool';
import type { TurnToolResult } from '../react/agent-turn';
import { mayAccess } from '../session-store/session-access';
import { ArtifactStore } from './artifact-store';
import type { Artifact } from './artifact-store';

/** The id an artifact gets: 16 random bytes, base64url. */
const ARTIFACT_ID = /^[\w-]{22}$/;

/**
 * The files of tool results (images, audio, binary resources), kept for the people in the session:
 * each under a short-lived URL only its session's owner fetches, so events and the history carry
 * a link rather than megabytes of base64.
 */
@Injectable()
export class ArtifactsService {
  private readonly logger = new Logger(ArtifactsService.name);

  constructor(
    private readonly store: ArtifactStore,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  /** The result with `items`: its files kept (each by URL), its resources named. */
  async keep(session: { id: string; owner: string }, result: ToolResult): Promise<TurnToolResult> {
    if (!result.media && !result.links) {
      return result;
    }
    const files = await Promise.all((result.media ?? []).map((media) => this.keepOne(session, media)));
    const links = (result.links ?? []).map((link): ToolContent => ({
      type: link.type,
      uri: link.uri,
      ...(link.name ? { name: link.name } : {}),
      ...(link.mime_type ? { mime_type: link.mime_type } : {}),
    }));
    return { ...result, items: [...files, ...links] };
  }

  /** An artifact of the session, for a caller who may read the session; NOT_FOUND otherwise. */
  async read(principal: Principal, sessionId: string, artifactId: string): Promise<Artifact> {
    const artifact = ARTIFACT_ID.test(artifactId) ? await this.store.get(sessionId, artifactId) : undefined;
    // Someone else's looks exactly like one that does not exist.
    if (!artifact || !mayAccess(principal, artifact, 'read')) {
      throw new AppException(
        ErrorCode.NOT_FOUND,
        `Artifact ${artifactId} of session ${sessionId} not found (artifacts last ARTIFACT_TTL_MS)`,
      );
    }
    return artifact;
  }

  private async keepOne(session: { id: string; owner: string }, media: ToolMedia): Promise<ToolContent> {
    const data = Buffer.from(media.data, 'base64');
    const item: ToolContent = {
      type: media.type,
      mime_type: media.mime_type,
      size: data.length,
      ...(media.uri ? { uri: media.uri } : {}),
    };
    if (data.length > this.config.ARTIFACT_MAX_BYTES) {
      return { ...item, note: `larger than ARTIFACT_MAX_BYTES (${this.config.ARTIFACT_MAX_BYTES}): not kept` };
    }
    const id = await this.store.put(
      { session_id: session.id, owner: session.owner, mime_type: media.mime_type, data, name: media.uri },
      this.config.ARTIFACT_TTL_MS,
    );
    this.logger.debug(`Kept a ${media.mime_type} artifact of ${data.length} bytes for session ${session.id}`);
    return { ...item, url: `/api/v3/sessions/${encodeURIComponent(session.id)}/artifacts/${id}` };
  }
}
