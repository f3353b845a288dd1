// MCP Apps (io.modelcontextprotocol/ui): a tool's view in a sandboxed iframe, and the host side of
// its bridge, JSON-RPC 2.0 over postMessage. The server serves the view's document in its own
// opaque origin with the CSP its MCP server declared; the page adds the iframe sandbox. Whatever
// the view asks of the host comes through here: calls of its server's tools (the server allows only
// those meant for views, with the same approval rules as the model's calls), a message to the
// chat, a link to open, its size.

import { http, ServerError } from './transports.js';

const PROTOCOL_VERSION = '2026-01-26';
const HOST_INFO = { name: 'PMCChat', version: '1.0.0' };
/** The tallest a view grows inline, in pixels; it scrolls beyond. */
const MAX_HEIGHT = 720;
// JSON-RPC error codes.
const METHOD_NOT_FOUND = -32601;
const INVALID_PARAMS = -32602;
const INTERNAL_ERROR = -32603;

/** The bridges of the views on the page, by their frame's window: one listener serves them all. */
const bridges = new Map();

window.addEventListener('message', (event) => bridges.get(event.source)?.receive(event));

/** Forgets the views that left the page (the chat was cleared or switched). */
function prune() {
  for (const [source, bridge] of bridges) {
    if (!bridge.frame.isConnected) {
      bridges.delete(source);
    }
  }
}

let chat = {
  sendMessage: async () => {
    throw new Error('There is no chat to send to');
  },
};

/** What the views may do in the chat: `sendMessage(text)` sends as the user would. */
export function setViewHost(host) {
  chat = host;
}

function meta(text) {
  const node = document.createElement('span');
  node.className = 'meta';
  node.textContent = text;
  return node;
}

/** The view of a tool_call's `app` item: a sandboxed iframe, opened with a one-time document URL. */
export function appView(item) {
  const node = document.createElement('div');
  node.className = 'app-view';
  node.dataset.uri = item.uri;
  if (item.prefers_border !== false) {
    node.classList.add('bordered');
  }
  if (!item.url) {
    node.append(meta(`View ${item.uri}: ${item.note ?? 'not available'}`));
    return node;
  }
  const frame = document.createElement('iframe');
  // Scripts only: no same-origin access, no top navigation, no popups, no forms.
  frame.setAttribute('sandbox', 'allow-scripts');
  frame.setAttribute('referrerpolicy', 'no-referrer');
  frame.title = `View ${item.uri}`;
  node.append(frame);
  http('POST', `${item.url}/open`).then(
    (view) => {
      if (!frame.isConnected) {
        return;
      }
      if (view.permissions.length > 0) {
        frame.allow = view.permissions.map((permission) => `${permission} 'src'`).join('; ');
      }
      prune();
      bridges.set(frame.contentWindow, new Bridge(frame, item.url, view));
      closeOnNavigation(node, frame, item.uri);
      frame.src = view.document_url;
    },
    (error) => node.replaceChildren(meta(`View ${item.uri}: ${error.message}`)),
  );
  return node;
}

/**
 * A view shows its own document and no other page. Its frame loads once; any later load is the view
 * navigating it (setting location, following a link, a refresh), which the page's CSP (`frame-src`:
 * view documents only) has already stopped before a request went out: the frame goes, a note stays.
 */
function closeOnNavigation(node, frame, uri) {
  let loads = 0;
  frame.addEventListener('load', () => {
    loads += 1;
    if (loads > 1) {
      bridges.delete(frame.contentWindow);
      node.replaceChildren(meta(`View ${uri} tried to open another page, so it was closed`));
    }
  });
}

function hostContext(frame, view) {
  const dark = window.matchMedia?.('(prefers-color-scheme: dark)').matches;
  return {
    toolInfo: {
      tool: { name: view.tool.name, description: view.tool.description, inputSchema: view.tool.input_schema },
    },
    theme: dark ? 'dark' : 'light',
    displayMode: 'inline',
    availableDisplayModes: ['inline'],
    containerDimensions: { width: frame.clientWidth, maxHeight: MAX_HEIGHT },
    locale: navigator.language,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    platform: 'web',
    userAgent: HOST_INFO.name,
  };
}

function hostCapabilities(view) {
  const { csp } = view;
  return {
    openLinks: {},
    serverTools: {},
    logging: {},
    message: { text: {} },
    sandbox: {
      permissions: Object.fromEntries(view.permissions.map((permission) => [permission, {}])),
      csp: {
        connectDomains: csp.connect_domains,
        resourceDomains: csp.resource_domains,
        frameDomains: csp.frame_domains,
        baseUriDomains: csp.base_uri_domains,
      },
    },
  };
}

class RpcError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** One view's end of the bridge: requests answered, notifications handled, the tool call sent once it is ready. */
class Bridge {
  constructor(frame, url, view) {
    this.frame = frame;
    this.url = url;
    this.view = view;
  }

  post(message) {
    // The view's origin is opaque ("null"): '*' is the only target that reaches it; the window is its own.
    this.frame.contentWindow?.postMessage({ jsonrpc: '2.0', ...message }, '*');
  }

  receive(event) {
    const message = event.data;
    if (!this.frame.isConnected || message?.jsonrpc !== '2.0' || typeof message.method !== 'string') {
      return;
    }
    if (message.id === undefined) {
      this.notified(message.method, message.params ?? {});
      return;
    }
    this.request(message.method, message.params ?? {}).then(
      (result) => this.post({ id: message.id, result }),
      (error) =>
        this.post({
          id: message.id,
          error: { code: error instanceof RpcError ? error.code : INTERNAL_ERROR, message: error.message },
        }),
    );
  }

  async request(method, params) {
    switch (method) {
      case 'ui/initialize':
        return {
          protocolVersion: PROTOCOL_VERSION,
          hostInfo: HOST_INFO,
          hostCapabilities: hostCapabilities(this.view),
          hostContext: hostContext(this.frame, this.view),
        };
      case 'ping':
        return {};
      case 'tools/call':
        return this.callTool(params);
      case 'ui/message':
        return this.message(params);
      case 'ui/open-link':
        return this.openLink(params);
      case 'ui/request-display-mode':
        return { mode: 'inline' };
      default:
        throw new RpcError(METHOD_NOT_FOUND, `PMCChat does not offer ${method} to views`);
    }
  }

  notified(method, params) {
    switch (method) {
      case 'ui/notifications/initialized':
        // The call that showed the view: its arguments, then its result.
        this.post({ method: 'ui/notifications/tool-input', params: { arguments: this.view.arguments } });
        this.post({ method: 'ui/notifications/tool-result', params: this.view.result });
        break;
      case 'ui/notifications/size-changed':
        if (Number.isFinite(params.height)) {
          this.frame.style.height = `${Math.min(Math.max(Math.ceil(params.height), 1), MAX_HEIGHT)}px`;
        }
        break;
      case 'notifications/message':
        console.debug(`[view ${this.view.uri}]`, params.data);
        break;
    }
  }

  async callTool(params) {
    if (typeof params.name !== 'string') {
      throw new RpcError(INVALID_PARAMS, 'tools/call needs a tool name');
    }
    try {
      return await http('POST', `${this.url}/tools/call`, { name: params.name, arguments: params.arguments ?? {} });
    } catch (error) {
      const code = error instanceof ServerError && error.code === 'NOT_FOUND' ? INVALID_PARAMS : INTERNAL_ERROR;
      throw new RpcError(code, error.message);
    }
  }

  async message(params) {
    const text = (params.content ?? [])
      .filter((block) => block?.type === 'text' && typeof block.text === 'string')
      .map((block) => block.text)
      .join('\n')
      .trim();
    if (params.role !== 'user' || !text) {
      throw new RpcError(INVALID_PARAMS, 'ui/message takes a user message with text');
    }
    try {
      await chat.sendMessage(text);
      return {};
    } catch {
      return { isError: true };
    }
  }

  async openLink(params) {
    let url;
    try {
      url = new URL(params.url);
    } catch {
      throw new RpcError(INVALID_PARAMS, 'ui/open-link needs an absolute URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new RpcError(INVALID_PARAMS, 'ui/open-link opens http and https links only');
    }
    window.open(url.href, '_blank', 'noopener,noreferrer');
    return {};
  }
}
