import type { Tool } from '@modelcontextprotocol/client';

/** The MCP Apps extension (io.modelcontextprotocol/ui): tools whose results a `ui://` view shows. */
export const UI_EXTENSION = 'io.modelcontextprotocol/ui';
/** Where a view's HTML is served from, and its MIME type. */
export const UI_SCHEME = 'ui://';
export const UI_MIME_TYPE = 'text/html;profile=mcp-app';

export type UiVisibility = 'model' | 'app';

/** What a tool says of its view: the `ui://` resource, and who may call it (the model, the view, or both). */
export interface ToolUi {
  resource_uri: string;
  visibility: UiVisibility[];
}

interface UiMeta {
  ui?: { resourceUri?: unknown; visibility?: unknown };
  // The extension's first key, still sent by older servers.
  'ui/resourceUri'?: unknown;
}

/** The tool's view, when it has one (`_meta.ui.resourceUri`, or the older `_meta["ui/resourceUri"]`). */
export function toolUi(tool: Tool): ToolUi | undefined {
  const meta = (tool._meta ?? {}) as UiMeta;
  const uri = meta.ui?.resourceUri ?? meta['ui/resourceUri'];
  const listed = Array.isArray(meta.ui?.visibility)
    ? (meta.ui.visibility as unknown[]).filter((who): who is UiVisibility => who === 'model' || who === 'app')
    : [];
  if (typeof uri !== 'string' || !uri.startsWith(UI_SCHEME)) {
    // A tool without a view is the model's, whatever it claims.
    return undefined;
  }
  return { resource_uri: uri, visibility: listed.length > 0 ? listed : ['model', 'app'] };
}

/** Whether the model is offered the tool: not when its view alone may call it. */
export function forModel(tool: Tool): boolean {
  return toolUi(tool)?.visibility.includes('model') ?? true;
}
