import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import { isDeepStrictEqual } from 'node:util';

import type { ServerPolicy } from './mcp-config';

/** A tool as the agent sees it: a model-facing name plus where the call goes. */
export interface McpTool {
  /** Unique within the session; the MCP name unless two servers share it. */
  name: string;
  server: string;
  /** The tool's name on its MCP server. */
  tool: string;
  description: string;
  input_schema: Record<string, unknown>;
  /** The user must approve each call (the server's require_approval and approval_tools, and the tool's annotations). */
  needs_approval: boolean;
}

export interface ToolResult {
  content: string;
  is_error: boolean;
}

/** A tool as the catalog lists it: what a person choosing or approving it wants to see. */
export interface ToolInfo {
  name: string;
  description: string;
  title?: string;
  icons?: ToolIcon[];
  annotations?: Tool['annotations'];
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
  return {
    name: tool.name,
    description: tool.description ?? '',
    ...(title ? { title } : {}),
    ...(icons.length > 0 ? { icons } : {}),
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
  };
}

type ContentBlock = CallToolResult['content'][number];

function blockText(block: ContentBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
    case 'audio':
      return `[${block.type} ${block.mimeType}, ${block.data.length} base64 chars]`;
    case 'resource':
      return 'text' in block.resource ? block.resource.text : `[resource ${block.resource.uri}]`;
    case 'resource_link':
      return `[resource link ${block.uri}]`;
  }
}

/** Flattens an MCP result to the text the model observes. */
/**
 * A call's result as the model observes it: its content blocks as text, and its structuredContent
 * (validated against the tool's outputSchema by the SDK; a mismatch is an error result) as JSON,
 * unless the text already carries it: that same JSON, or every value in it (as when a file server
 * returns a file's text and `{content: <the text>}`).
 */
export function toToolResult(result: CallToolResult): ToolResult {
  const parts = result.content.map(blockText);
  const structured = result.structuredContent;
  const text = result.content.flatMap((block) => (block.type === 'text' ? [block.text] : []));
  if (
    structured !== undefined &&
    !text.some((block) => sameJson(block, structured)) &&
    !shows(text.join('\n'), structured)
  ) {
    parts.push(JSON.stringify(structured));
  }
  return { content: parts.join('\n'), is_error: result.isError === true };
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
