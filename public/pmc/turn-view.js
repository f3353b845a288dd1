// One assistant turn: a working indicator until the first word, its steps folded into one line
// ("Used filesystem · list_directory — 8 ms"), the streamed answer, and a details line (duration,
// tokens). Untrusted text only goes into text nodes or through the Markdown renderer.

import { appView } from './app-view.js';
import { hintFor } from './cards.js';
import { contentItem } from './content.js';
import { copyButton, duration, el, pre, pretty } from './dom.js';
import { renderMarkdown } from './markdown.js';

// Title and icon of each tool, by "server/tool", as the servers' listings give them.
const toolInfo = new Map();

export function setToolInfo(servers) {
  toolInfo.clear();
  for (const server of servers) {
    for (const tool of server.tools ?? []) {
      toolInfo.set(`${server.name}/${tool.name}`, tool);
    }
  }
}

/** Only inline icons: the page loads nothing from another origin. */
function toolIcon(server, tool) {
  const src = toolInfo.get(`${server}/${tool}`)?.icons?.find((icon) => icon.src?.startsWith('data:image/'))?.src;
  if (!src) {
    return undefined;
  }
  const image = el('img', 'tool-icon');
  image.src = src;
  image.alt = '';
  return image;
}

const toolName = (server, tool) => `${server ? `${server} · ` : ''}${toolInfo.get(`${server}/${tool}`)?.title ?? tool}`;

export class TurnView {
  constructor(turnId) {
    this.summary = el('summary', '');
    this.stepList = el('div', 'step-list');
    this.steps = el('details', 'steps', this.summary, this.stepList);
    this.steps.hidden = true;
    this.working = el('div', 'working', el('span', 'dots'), 'Working…');
    this.working.setAttribute('role', 'status');
    this.working.hidden = true;
    this.answer = el('div', 'answer');
    this.extras = el('div', 'extras');
    this.meta = el('div', 'turn-meta');
    this.meta.hidden = true;
    this.actions = el(
      'div',
      'message-actions',
      copyButton(() => this.text),
    );
    this.actions.hidden = true;
    this.node = el(
      'li',
      'message assistant',
      this.steps,
      this.extras,
      this.working,
      this.answer,
      this.meta,
      this.actions,
    );
    this.node.dataset.turn = turnId ?? '';
    this.text = '';
    this.calls = new Map();
    this.thoughts = 0;
    this.samplings = 0;
    this.pending = false;
  }

  /** Shown from the moment the message is sent until the first word (or the end). */
  waiting() {
    this.working.hidden = this.text !== '' || this.node.dataset.ended === 'true';
  }

  addStep(node) {
    this.steps.hidden = false;
    this.stepList.append(node);
    this.summarize();
    return node;
  }

  /** The collapsed line: what the turn used, how it went and how long it took. */
  summarize() {
    const calls = [...this.calls.values()];
    const line = el('span', 'label');
    if (calls.length === 1) {
      const [call] = calls;
      const icon = toolIcon(call.server, call.tool);
      line.append(...(icon ? [icon] : []), `Used ${toolName(call.server, call.tool)}`, call.outcome());
    } else if (calls.length > 1) {
      const names = [...new Set(calls.map((call) => toolName(call.server, call.tool)))].join(', ');
      const failed = calls.filter((call) => call.status === 'failed').length;
      const running = calls.some((call) => call.status === 'running');
      const total = calls.reduce((sum, call) => sum + (call.durationMs ?? 0), 0);
      const how = running ? ' — running…' : `${failed ? ` — ${failed} failed` : ''} — ${duration(total)}`;
      line.append(`Used ${calls.length} tools: ${names}`, how);
    } else {
      line.append(this.samplings > 0 ? 'Sampling' : 'Thought about it');
    }
    this.summary.replaceChildren(line);
    this.steps.dataset.status = calls.some((call) => call.status === 'running')
      ? 'running'
      : calls.some((call) => call.status === 'failed')
        ? 'failed'
        : 'succeeded';
  }

  /** Streams a delta into the answer, re-rendered at most once a frame. */
  appendDelta(delta) {
    this.text += delta;
    this.working.hidden = true;
    this.answer.classList.add('streaming');
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.answer.replaceChildren(renderMarkdown(this.text));
      });
    }
  }

  /** The iteration's text was the model thinking before it acts: a step, only if it wrote something. */
  thinking({ content, reasoning }) {
    this.text = '';
    this.answer.replaceChildren();
    if (!content?.trim() && !reasoning?.trim()) {
      return;
    }
    const body = el('div', '');
    if (reasoning) {
      body.append(el('div', 'meta', 'Reasoning'), renderMarkdown(reasoning));
    }
    if (content) {
      body.append(renderMarkdown(content));
    }
    this.thoughts += 1;
    this.addStep(step('Thinking', body, 'thinking'));
  }

  toolCall(data) {
    let view = this.calls.get(data.call_id);
    if (!view) {
      view = new ToolCallView(data);
      this.calls.set(data.call_id, view);
      this.addStep(view.node);
    }
    view.update(data);
    this.summarize();
    this.steps.open ||= view.node.open;
    // A tool's MCP Apps view is shown in the turn, not folded into its step.
    for (const item of data.content ?? []) {
      if (item.type === 'app') {
        this.extras.append(appView(item));
      }
    }
  }

  /** A server's request for a completion: one step, from running to its outcome. */
  sampling(data) {
    const label = `Sampling for ${data.server} · ${data.status}${data.duration_ms !== undefined ? ` — ${duration(data.duration_ms)}` : ''}`;
    this.samplingSteps ??= new Map();
    let node = this.samplingSteps.get(data.sampling_id);
    if (!node) {
      node = step(label, el('div', ''), 'sampling');
      this.samplingSteps.set(data.sampling_id, node);
      this.samplings += 1;
      this.addStep(node);
    }
    node.querySelector('summary .label').textContent = label;
    const body = node.querySelector('summary').nextElementSibling;
    if (data.prompt) body.append(el('div', 'meta', 'Prompt'), pre(data.prompt));
    if (data.content) body.append(el('div', 'meta', 'Completion'), pre(data.content));
    if (data.error) body.append(el('div', 'meta', 'Error'), pre(data.error));
    node.dataset.status = data.status;
  }

  notice(text) {
    this.extras.append(el('p', 'hint', text));
  }

  /** The answer; `model`: the label of the model that wrote it. */
  final({ content, usage, iterations, model }, elapsedMs) {
    this.text = content;
    this.end();
    this.answer.replaceChildren(renderMarkdown(content));
    if (usage || elapsedMs !== undefined || model) {
      const parts = [
        ...(model ? [model] : []),
        ...(elapsedMs !== undefined ? [duration(elapsedMs)] : []),
        ...(usage ? [`${usage.total_tokens.toLocaleString()} tokens`] : []),
      ];
      this.meta.textContent = parts.join(' · ');
      if (usage) {
        this.meta.title = `${usage.input_tokens} in · ${usage.output_tokens} out · ${iterations} iteration${iterations === 1 ? '' : 's'}`;
      }
      this.meta.hidden = false;
    }
  }

  /** The user stopped the turn: no failure. What it produced so far stays. */
  stopped() {
    this.end();
    this.node.classList.add('stopped');
    this.extras.append(el('p', 'stopped-note', 'Stopped'));
  }

  failed({ code, message }) {
    if (code === 'TURN_CANCELLED') {
      this.stopped();
      return;
    }
    this.end();
    this.node.classList.add('error');
    this.node.setAttribute('role', 'alert');
    this.answer.append(
      el('div', 'error-title', `Error: ${code}`),
      el('div', '', message),
      el('p', 'hint', hintFor(code)),
    );
  }

  end() {
    this.node.dataset.ended = 'true';
    this.working.hidden = true;
    this.answer.classList.remove('streaming');
    this.actions.hidden = false;
  }
}

function step(label, body, kind) {
  const node = el('details', 'step', el('summary', '', el('span', 'label', label)), body);
  node.dataset.kind = kind;
  return node;
}

class ToolCallView {
  constructor(data) {
    this.server = data.server;
    this.tool = data.tool;
    const icon = toolIcon(data.server, data.tool);
    this.label = el('span', 'label', ...(icon ? [icon] : []), toolName(data.server, data.tool));
    this.label.title = toolInfo.get(`${data.server}/${data.tool}`)?.description ?? '';
    this.meta = el('span', 'meta', '');
    this.progress = el('progress', '');
    this.progress.hidden = true;
    this.body = el('div', '', el('div', 'meta', 'Arguments'), pre(pretty(data.arguments)));
    this.node = el('details', 'step tool-call', el('summary', '', this.label, this.meta, this.progress), this.body);
    this.node.dataset.kind = 'tool_call';
  }

  /** " — 8 ms", " — failed after 8 ms", " — running…". */
  outcome() {
    if (this.status === 'running') {
      return ' — running…';
    }
    const took = this.durationMs !== undefined ? duration(this.durationMs) : '';
    return this.status === 'failed' ? ` — failed${took ? ` after ${took}` : ''}` : took ? ` — ${took}` : '';
  }

  update(data) {
    this.status = data.status;
    this.durationMs = data.duration_ms ?? this.durationMs;
    this.node.dataset.status = data.status;
    this.meta.textContent = this.outcome().replace(/^ — /, '');
    if (data.progress) {
      const { progress, total, message } = data.progress;
      this.progress.hidden = false;
      this.progress.value = progress;
      if (total) this.progress.max = total;
      this.meta.textContent = `running · ${progress}${total ? `/${total}` : ''}${message ? ` · ${message}` : ''}`;
    }
    if (data.status === 'succeeded' || data.status === 'failed') {
      this.progress.hidden = true;
      this.body.append(
        el('div', 'meta', data.status === 'failed' ? 'Error' : 'Result'),
        pre(data.result ?? data.error ?? ''),
      );
      const files = (data.content ?? []).filter((item) => item.type !== 'app');
      if (files.length > 0) {
        this.body.append(el('div', 'tool-content', ...files.map(contentItem)));
        // What a tool shows (an image) is worth seeing without opening the step.
        if (files.some((item) => item.type === 'image' && item.url)) this.node.open = true;
      }
    }
  }
}
