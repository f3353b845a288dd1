import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import { isDeepStrictEqual } from 'node:util';

import type { ServerPolicy } from '../config/mcp-config';
import { toolUi } from '../extensions/mcp-apps';
import type { ToolUi } from '../extensions/mcp-apps';

/** A tool as the agent sees it: a model-facing name plus where the call goes. */
export interface McpTool {
  /** Unique within the session; the MCP name unless two servers share it. */
  name: string;
  server: string;
  /** The tool's name on its MCP server. */
  tool: string;
  /** Its MCP Apps view (a ui:// resource of its server), shown with each result. */
  view?: string;
  description: string;
  input_schema: Record<string, unknown>;
  /** The user must approve each call (the server's require_approval and approval_tools, and the tool's annotations). */
  needs_approval: boolean;
}

export interface ToolResult {
  /** What the model reads: the text blocks, with a marker where each file was (`[image 1: image/png]`). */
  content: string;
  is_error: boolean;
  /** Images, audio and binary resources, in order: kept as artifacts, images also shown to the model. */
  media?: ToolMedia[];
  /** Resources the result names (links) or embeds as text. */
  links?: ToolLink[];
  /** For a tool with MCP Apps metadata: the result as the server sent it, which its view receives. */
  raw?: CallToolResult;
}

export interface ToolMedia {
  type: 'image' | 'audio' | 'resource';
  mime_type: string;
  /** Base64, as the server sent it. */
  data: string;
  /** The resource's URI, for a binary resource. */
  uri?: string;
}

export interface ToolLink {
  type: 'resource' | 'resource_link';
  uri: string;
  name?: string;
  mime_type?: string;
}

/** A tool as the catalog lists it: what a person choosing or approving it wants to see. */
export interface ToolInfo {
  name: string;
  description: string;
  title?: string;
  icons?: ToolIcon[];
  annotations?: Tool['annotations'];
  /** Its MCP Apps view, and who may call it. */
  ui?: ToolUi;
}

export interface ToolIcon {
  src: string;
  mime_type?: string;
  sizes?: string[];
}

// A server's icons are passed on as given, within bounds: a few, each a URL or a small data: URI.
const MAX_ICONS = 3;
const MAX_ICON_SRC = 16 * 1024;

export function toolInfo(tool: Tool): ToolInfo {
  const icons = (tool.icons ?? [])
    .filter((icon) => icon.src.length <= MAX_ICON_SRC && /^(https?:|data:image\/)/.test(icon.src))
    .slice(0, MAX_ICONS)
    .map((icon) => ({
      src: icon.src,
      ...(icon.mimeType ? { mime_type: icon.mimeType } : {}),
      ...(icon.sizes ? { sizes: icon.sizes } : {}),
    }));
  const title = tool.title ?? tool.annotations?.title;
  const ui = toolUi(tool);
  return {
    name: tool.name,
    description: tool.description ?? '',
    ...(title ? { title } : {}),
    ...(icons.length > 0 ? { icons } : {}),
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
    ...(ui ? { ui } : {}),
  };
}

type ContentBlock = CallToolResult['content'][number];

/** The text of each block, and the files and resources beside it. */
function flatten(blocks: readonly ContentBlock[]): Pick<ToolResult, 'media' | 'links'> & { parts: string[] } {
  const parts: string[] = [];
  const media: ToolMedia[] = [];
  const links: ToolLink[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'text':
        parts.push(block.text);
        break;
      case 'image':
      case 'audio':
        media.push({ type: block.type, mime_type: block.mimeType, data: block.data });
        parts.push(`[${block.type} ${media.length}: ${block.mimeType}]`);
        break;
      case 'resource': {
        const { resource } = block;
        const mimeType = resource.mimeType ?? 'application/octet-stream';
        if ('text' in resource) {
          links.push({ type: 'resource', uri: resource.uri, ...(resource.mimeType ? { mime_type: mimeType } : {}) });
          parts.push(resource.text);
        } else {
          media.push({ type: 'resource', mime_type: mimeType, data: resource.blob, uri: resource.uri });
          parts.push(`[resource ${media.length}: ${resource.uri} (${mimeType})]`);
        }
        break;
      }
      case 'resource_link':
        links.push({
          type: 'resource_link',
          uri: block.uri,
          name: block.name,
          ...(block.mimeType ? { mime_type: block.mimeType } : {}),
        });
        parts.push(`[resource link ${block.uri}${block.name ? ` (${block.name})` : ''}]`);
        break;
    }
  }
  return { parts, media, links };
}

/**
 * A call's result as the model observes it: its text blocks, a marker for each file (the files go
 * beside, as media), and its structuredContent (validated against the tool's outputSchema by the
 * SDK; a mismatch is an error result) as JSON, unless the text already carries it: that same JSON,
 * or every value in it (as when a file server returns a file's text and `{content: <the text>}`).
 */
export function toToolResult(result: CallToolResult, keepRaw = false): ToolResult {
  const { parts, media, links } = flatten(result.content);
  const structured = result.structuredContent;
  const text = result.content.flatMap((block) => (block.type === 'text' ? [block.text] : []));
  if (
    structured !== undefined &&
    !text.some((block) => sameJson(block, structured)) &&
    !shows(text.join('\n'), structured)
  ) {
    parts.push(JSON.stringify(structured));
  }
  return {
    content: parts.join('\n'),
    is_error: result.isError === true,
    ...(media?.length ? { media } : {}),
    ...(links?.length ? { links } : {}),
    ...(keepRaw ? { raw: result } : {}),
  };
}

// How much of a structured value is looked through for `shows`; a bigger one is always sent.
const MAX_LEAVES = 200;

/** Whether every scalar in `value` appears in `text` (a bounded walk). */
function shows(text: string, value: unknown): boolean {
  const pending: unknown[] = [value];
  for (let seen = 0; pending.length > 0; seen++) {
    const next = pending.pop();
    if (seen > MAX_LEAVES) {
      return false;
    }
    if (next !== null && typeof next === 'object') {
      pending.push(...Object.values(next));
    } else if (next !== null && next !== undefined && !text.includes(String(next))) {
      return false;
    }
  }
  return text !== '';
}

/** Whether `text` is `value` serialized (in whatever formatting). */
function sameJson(text: string, value: unknown): boolean {
  try {
    return isDeepStrictEqual(JSON.parse(text), value);
  } catch {
    return false;
  }
}

/** Whether a call of the tool waits for the user: named in approval_tools, or by the server's mode. */
export function needsApproval(policy: ServerPolicy, tool: Tool): boolean {
  if (policy.approvalTools.includes(tool.name)) {
    return true;
  }
  const mode = policy.requireApproval ?? 'never';
  switch (mode) {
    case 'always':
      return true;
    case 'writes':
      return tool.annotations?.readOnlyHint !== true;
    case 'never':
      return false;
  }
}

/** The server's tools minus what allowed_tools / blocked_tools keep from the model. */
export function visibleTools(policy: ServerPolicy, tools: readonly Tool[]): Tool[] {
  return tools.filter(
    (tool) =>
      (policy.allowedTools === undefined || policy.allowedTools.includes(tool.name)) &&
      !policy.blockedTools.includes(tool.name),
  );
}
