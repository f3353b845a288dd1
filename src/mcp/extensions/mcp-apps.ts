import type { ReadResourceResult, Tool } from '@modelcontextprotocol/client';

/** The MCP Apps extension (io.modelcontextprotocol/ui): tools whose results a `ui://` view shows. */
export const UI_EXTENSION = 'io.modelcontextprotocol/ui';
/** Where a view's HTML is served from, and its MIME type. */
export const UI_SCHEME = 'ui://';
export const UI_MIME_TYPE = 'text/html;profile=mcp-app';

/** What the host declares in its client capabilities (`extensions`): it renders views of this type. */
export const UI_CAPABILITY = { [UI_EXTENSION]: { mimeTypes: [UI_MIME_TYPE] } };

export type UiVisibility = 'model' | 'app';

/** What a tool says of its view: the `ui://` resource, if it has one, and who may call it. */
export interface ToolUi {
  resource_uri?: string;
  visibility: UiVisibility[];
}

interface UiMeta {
  ui?: { resourceUri?: unknown; visibility?: unknown };
  // The extension's first key, still sent by older servers.
  'ui/resourceUri'?: unknown;
}

/** Who the tool says may call it, when it names anyone known (`_meta.ui.visibility`). */
function declaredVisibility(tool: Tool): UiVisibility[] | undefined {
  const listed = (tool._meta as UiMeta | undefined)?.ui?.visibility;
  const known = Array.isArray(listed)
    ? (listed as unknown[]).filter((who): who is UiVisibility => who === 'model' || who === 'app')
    : [];
  return known.length > 0 ? known : undefined;
}

/** Who may call the tool: the model, a view of its server, or both (the default). */
export function toolVisibility(tool: Tool): UiVisibility[] {
  return declaredVisibility(tool) ?? ['model', 'app'];
}

/**
 * The tool's view and visibility, when it says anything of either: `_meta.ui.resourceUri` (or the
 * older `_meta["ui/resourceUri"]`; only a `ui://` URI counts) and `_meta.ui.visibility`.
 */
export function toolUi(tool: Tool): ToolUi | undefined {
  const meta = (tool._meta ?? {}) as UiMeta;
  const uri = meta.ui?.resourceUri ?? meta['ui/resourceUri'];
  const view = typeof uri === 'string' && uri.startsWith(UI_SCHEME) ? uri : undefined;
  if (!view && !declaredVisibility(tool)) {
    return undefined;
  }
  return { ...(view ? { resource_uri: view } : {}), visibility: toolVisibility(tool) };
}

/** Whether the model is offered the tool: not when only views may call it. */
export function forModel(tool: Tool): boolean {
  return toolVisibility(tool).includes('model');
}

/** Whether a view of the tool's server may call it. */
export function forViews(tool: Tool): boolean {
  return toolVisibility(tool).includes('app');
}

/** The origins a view may use, as the server declares them for its resource (`_meta.ui.csp`). */
export interface ViewCsp {
  connect_domains: string[];
  resource_domains: string[];
  frame_domains: string[];
  base_uri_domains: string[];
}

export type ViewPermission = 'camera' | 'microphone' | 'geolocation' | 'clipboard-write';

/** A view as the host renders it: its HTML and what it asks of the sandbox. */
export interface ViewResource {
  uri: string;
  html: string;
  csp: ViewCsp;
  permissions: ViewPermission[];
  prefers_border?: boolean;
  /** Domains the server declared that are not plain origins, and so were not allowed. */
  refused: string[];
}

// A source a CSP may list: a scheme and host (with an optional leading wildcard label) and port.
// Nothing that could close the directive or add a keyword ('self', 'unsafe-inline', ';', spaces).
const ORIGIN = /^(https?|wss?):\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/i;
const MAX_DOMAINS = 32;

const PERMISSIONS: Record<string, ViewPermission> = {
  camera: 'camera',
  microphone: 'microphone',
  geolocation: 'geolocation',
  clipboardWrite: 'clipboard-write',
};

interface ResourceUiMeta {
  csp?: Record<string, unknown>;
  permissions?: Record<string, unknown>;
  prefersBorder?: unknown;
}

/**
 * The view in a `resources/read` result: its HTML content (of the MCP Apps MIME type) and its
 * `_meta.ui` (CSP domains, permissions, border). Undefined when the result holds no such HTML.
 */
export function viewResource(uri: string, read: ReadResourceResult): ViewResource | undefined {
  const content = read.contents.find(
    (item) => item.uri === uri && 'text' in item && item.mimeType?.replace(/\s/g, '') === UI_MIME_TYPE,
  );
  if (!content || !('text' in content)) {
    return undefined;
  }
  const meta = ((content._meta as { ui?: ResourceUiMeta } | undefined)?.ui ?? {}) as ResourceUiMeta;
  const refused: string[] = [];
  const domains = (key: string): string[] => {
    const listed = meta.csp?.[key];
    const all = Array.isArray(listed) ? listed.filter((item): item is string => typeof item === 'string') : [];
    refused.push(...all.filter((item) => !ORIGIN.test(item)));
    return all.filter((item) => ORIGIN.test(item)).slice(0, MAX_DOMAINS);
  };
  const csp: ViewCsp = {
    connect_domains: domains('connectDomains'),
    resource_domains: domains('resourceDomains'),
    frame_domains: domains('frameDomains'),
    base_uri_domains: domains('baseUriDomains'),
  };
  const permissions = Object.keys(meta.permissions ?? {})
    .map((key) => PERMISSIONS[key])
    .filter((permission): permission is ViewPermission => permission !== undefined);
  return {
    uri,
    html: content.text,
    csp,
    permissions,
    ...(typeof meta.prefersBorder === 'boolean' ? { prefers_border: meta.prefersBorder } : {}),
    refused,
  };
}

/**
 * The Content-Security-Policy a view is served with: its own opaque origin (`sandbox allow-scripts`,
 * even when opened outside the page), inline script and style (views are single HTML files), and
 * the network only where the server declared it.
 */
export function viewPolicy(csp: ViewCsp): string {
  const list = (domains: string[], ...base: string[]) => [...base, ...domains].join(' ') || "'none'";
  const resources = csp.resource_domains;
  return [
    'sandbox allow-scripts',
    "default-src 'none'",
    `script-src ${list(resources, "'unsafe-inline'")}`,
    `style-src ${list(resources, "'unsafe-inline'")}`,
    `img-src ${list(resources, 'data:', 'blob:')}`,
    `font-src ${list(resources, 'data:')}`,
    `media-src ${list(resources, 'data:', 'blob:')}`,
    `connect-src ${list(csp.connect_domains)}`,
    `frame-src ${list(csp.frame_domains)}`,
    `base-uri ${list(csp.base_uri_domains)}`,
    "form-action 'none'",
    "object-src 'none'",
    "frame-ancestors 'self'",
  ].join('; ');
}
