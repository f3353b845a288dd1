// The MCP servers panel: each server's state and tools, a link when it waits for the user's
// authorization, and switches that turn a server or a single tool off for this chat (the agent
// leaves them out from the next turn on).

import { el } from './dom.js';
import { http } from './transports.js';
import { setToolInfo } from './turn-view.js';

export class ServerPanel {
  /** host: { list, switched(disabled: string[]), failed(error) } */
  constructor(host) {
    this.host = host;
    this.servers = [];
    this.disabled = new Set();
  }

  /** The chat's switches ("server" or "server/tool"), as the session has them. */
  setDisabled(disabled) {
    this.disabled = new Set(disabled ?? []);
    this.draw();
  }

  async refresh() {
    const [{ servers }, { pending }] = await Promise.all([
      http('GET', '/api/v3/mcp/servers'),
      http('GET', '/api/v3/mcp/oauth/pending'),
    ]);
    this.servers = servers;
    this.authorizations = new Set(pending.map((entry) => entry.server));
    setToolInfo(servers);
    this.draw();
  }

  draw() {
    this.host.list.replaceChildren(...this.servers.map((server) => this.item(server)));
  }

  item(server) {
    const off = this.disabled.has(server.name);
    const pill = el('span', 'pill', server.status);
    pill.dataset.state = server.status;
    const summary = el('summary', '', el('strong', '', server.name), pill);
    if (this.authorizations?.has(server.name)) {
      summary.append(connectLink(server.name, this.host.failed));
    }
    const tools = el('ul', 'tools');
    tools.append(el('li', 'switch-row', this.toggle(server.name, `Use ${server.name} in this chat`, !off)));
    for (const tool of server.tools) {
      const name = `${server.name}/${tool.name}`;
      const row = el('li', '', this.toggle(name, tool.title ?? tool.name, !off && !this.disabled.has(name), off));
      row.title = tool.description ?? '';
      tools.append(row);
    }
    if (server.tools.length === 0) {
      tools.append(el('li', 'hint', server.last_error ?? 'tools are listed once a chat has started it'));
    }
    const details = el('details', '', summary, tools);
    details.open = this.opened?.has(server.name) ?? false;
    details.addEventListener('toggle', () => {
      this.opened ??= new Set();
      this.opened[details.open ? 'add' : 'delete'](server.name);
    });
    const item = el('li', off ? 'switched-off' : '', details);
    item.dataset.server = server.name;
    return item;
  }

  toggle(name, label, checked, disabled = false) {
    const box = el('input', '');
    box.type = 'checkbox';
    box.checked = checked;
    box.disabled = disabled;
    box.dataset.switch = name;
    box.addEventListener('change', () => {
      this.disabled[box.checked ? 'delete' : 'add'](name);
      this.draw();
      this.host.switched([...this.disabled]);
    });
    return el('label', 'switch', box, el('span', '', label));
  }
}

/**
 * A link that starts the server's authorization in this browser (the flow is bound to it by a
 * cookie) and sends the tab to the authorization page; it comes back here when done.
 */
function connectLink(server, failed) {
  const link = el('a', 'connect', 'Connect');
  link.href = '#';
  link.title = 'This server asks you to authorize it';
  link.addEventListener('click', (event) => {
    event.preventDefault();
    void http('POST', `/api/v3/mcp/oauth/${encodeURIComponent(server)}/start`)
      .then(({ authorization_url }) => window.location.assign(authorization_url))
      .catch(failed);
  });
  return link;
}
