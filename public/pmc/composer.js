// The message box: Enter sends, Shift+Enter breaks the line. Typed at the start, / lists the MCP
// servers' prompts (a chosen one asks for its arguments and puts its messages in the box); @ lists
// their resources and templates, and a chosen one is attached to the message as context.

import { button, el } from './dom.js';
import { askValues, Picker } from './picker.js';
import { http } from './transports.js';

const PLACEHOLDER = {
  wide: 'Message (Enter sends, Shift+Enter for a new line, / prompts, @ resources)',
  narrow: 'Message',
};
const phone = window.matchMedia('(max-width: 760px)');

/** Fills a URI template's {variables} (RFC 6570 level 1, and {+var} unescaped). */
export const expandTemplate = (template, values) =>
  template.replace(/\{(\+?)([\w.]+)\}/g, (_, plus, name) =>
    plus ? (values[name] ?? '') : encodeURIComponent(values[name] ?? ''),
  );

export class Composer {
  /** host: { form, input, chips, servers(), session(): Promise<id>, send(text, attachments), notify(text) } */
  constructor(host) {
    this.host = host;
    this.input = host.input;
    this.attachments = [];
    this.picker = new Picker(host.form);
    this.placeholder();
    phone.addEventListener('change', () => this.placeholder());
    this.input.setAttribute('aria-controls', 'picker');
    this.input.addEventListener('input', () => {
      this.autosize();
      void this.suggest();
    });
    this.input.addEventListener('keydown', (event) => {
      if (this.picker.key(event)) return;
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('blur', () => this.picker.hide());
    host.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  placeholder() {
    this.input.placeholder = phone.matches ? PLACEHOLDER.narrow : PLACEHOLDER.wide;
  }

  autosize() {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, 192)}px`;
  }

  submit() {
    const text = this.input.value.trim();
    if (!text) return;
    const attachments = this.attachments;
    this.input.value = '';
    this.attachments = [];
    this.drawChips();
    this.autosize();
    this.picker.hide();
    void this.host.send(text, attachments);
  }

  /** What the caret follows: "/name" at the start of the box, or "@words" after a space. */
  trigger() {
    const before = this.input.value.slice(0, this.input.selectionStart);
    const slash = /^\/([\w.:-]*)$/.exec(before);
    if (slash) return { kind: '/', query: slash[1], start: 0, end: before.length };
    const at = /(^|\s)@([^\s@]*)$/.exec(before);
    return at ? { kind: '@', query: at[2], start: before.length - at[2].length - 1, end: before.length } : undefined;
  }

  async suggest() {
    const trigger = this.trigger();
    if (!trigger) {
      this.picker.hide();
      return;
    }
    const query = trigger.query.toLowerCase();
    const matches = (...texts) => texts.some((text) => text?.toLowerCase().includes(query));
    if (trigger.kind === '/') {
      const prompts = this.host
        .servers()
        .flatMap((server) => (server.prompts ?? []).map((prompt) => ({ server: server.name, prompt })));
      this.picker.show(
        prompts
          .filter(({ prompt }) => matches(prompt.name, prompt.title, prompt.description))
          .map(({ server, prompt }) => ({
            label: prompt.title ?? prompt.name,
            group: server,
            detail: prompt.description,
            pick: () => void this.usePrompt(server, prompt, trigger),
          })),
        'No MCP prompt matches',
      );
      return;
    }
    const items = (await this.resources()).filter((item) => matches(item.label, item.uri, item.detail));
    if (this.trigger()?.kind === '@') {
      this.picker.show(
        items.map((item) => ({ ...item, pick: () => void this.attach(item, trigger) })),
        'No resource matches',
      );
    }
  }

  /** The resources and templates of the session's servers, listed once per chat. */
  async resources() {
    this.listing ??= (async () => {
      const sessionId = await this.host.session();
      const servers = this.host.servers().filter((server) => server.status !== 'disabled');
      const lists = await Promise.all(
        servers.map(async (server) => {
          const base = `/api/v3/mcp/servers/${encodeURIComponent(server.name)}`;
          const query = `?session_id=${encodeURIComponent(sessionId)}`;
          const [resources, templates] = await Promise.all([
            http('GET', `${base}/resources${query}`).catch(() => ({ resources: [] })),
            http('GET', `${base}/resource-templates${query}`).catch(() => ({ resourceTemplates: [] })),
          ]);
          return [
            ...resources.resources.map((resource) => ({
              server: server.name,
              uri: resource.uri,
              label: resource.title ?? resource.name,
              group: server.name,
              detail: resource.uri,
            })),
            ...templates.resourceTemplates.map((template) => ({
              server: server.name,
              template: template.uriTemplate,
              label: template.title ?? template.name,
              group: `${server.name} · template`,
              detail: template.uriTemplate,
            })),
          ];
        }),
      );
      return lists.flat();
    })().catch((error) => {
      this.listing = undefined;
      this.host.notify(`Could not list resources: ${error.message}`);
      return [];
    });
    return this.listing;
  }

  /** A new chat lists afresh. */
  reset() {
    this.listing = undefined;
    this.attachments = [];
    this.drawChips();
  }

  /** Takes the "/name" or "@words" that opened the picker out of the box, if it is still there. */
  removeTrigger({ kind, query, start, end }) {
    const value = this.input.value;
    if (value.slice(start, end) === `${kind}${query}`) {
      this.input.value = value.slice(0, start) + value.slice(end);
    }
    this.input.setSelectionRange(start, start);
  }

  async usePrompt(server, prompt, trigger) {
    const args = prompt.arguments ?? [];
    const values = args.length > 0 ? await askValues(prompt.title ?? prompt.name, prompt.description, args) : {};
    this.input.focus();
    if (!values) return;
    try {
      const sessionId = await this.host.session();
      const filled = await http(
        'POST',
        `/api/v3/mcp/servers/${encodeURIComponent(server)}/prompts/${encodeURIComponent(prompt.name)}/get`,
        { arguments: values, session_id: sessionId },
      );
      const text = filled.messages
        .map((message) => (message.content?.type === 'text' ? message.content.text : ''))
        .filter(Boolean)
        .join('\n\n');
      this.removeTrigger(trigger);
      this.input.value = `${text}${this.input.value ? `\n\n${this.input.value}` : ''}`;
      this.autosize();
    } catch (error) {
      this.host.notify(`The prompt ${prompt.name} failed: ${error.message}`);
    }
  }

  async attach(item, trigger) {
    let uri = item.uri;
    if (item.template) {
      const names = [...item.template.matchAll(/\{\+?([\w.]+)\}/g)].map((match) => ({
        name: match[1],
        required: true,
      }));
      const values = await askValues(item.label, item.template, names);
      this.input.focus();
      if (!values) return;
      uri = expandTemplate(item.template, values);
    }
    this.removeTrigger(trigger);
    if (!this.attachments.some((attachment) => attachment.server === item.server && attachment.uri === uri)) {
      this.attachments.push({ server: item.server, uri, name: item.template ? uri : item.label });
    }
    this.drawChips();
    this.input.focus();
  }

  drawChips() {
    this.host.chips.replaceChildren(
      ...this.attachments.map((attachment, index) => {
        const remove = button('×', {
          className: 'ghost',
          title: `Remove ${attachment.name}`,
          onClick: () => {
            this.attachments.splice(index, 1);
            this.drawChips();
          },
        });
        const chip = el('span', 'chip', `@ ${attachment.name}`, remove);
        chip.title = `${attachment.server}: ${attachment.uri}`;
        return chip;
      }),
    );
    this.host.chips.hidden = this.attachments.length === 0;
  }
}
