// How a conversation looks: user bubbles, and for each turn an assistant bubble with its ReAct
// steps (collapsed) above the streamed answer. Untrusted text only ever goes into text nodes or
// through the Markdown renderer, which builds text nodes too.

import { appView } from './app-view.js';
import { renderMarkdown } from './markdown.js';
import { schemaForm } from './schema-form.js';
import { artifactUrl } from './transports.js';

const HINTS = {
  LLM_NOT_CONFIGURED: 'Set LLM_MODEL (and OPENAI_BASE_URL or an API key) on the server, restart it, and send again.',
  LLM_ERROR: 'The model endpoint failed. Check that it is running, then send your message again.',
  LLM_TIMEOUT: 'The model went silent. Send your message again; if it keeps happening, check the model server.',
  RATE_LIMITED: 'Too many messages in a minute. Wait a little, then send again.',
  SESSION_BUSY: 'Too many messages are waiting. Let the current turn finish, or press Stop.',
  SESSION_NOT_FOUND: 'This session has ended or expired. Your next message starts a new chat.',
  SESSION_ENDED: 'This session has ended. Your next message starts a new chat.',
  TURN_CANCELLED: 'Stopped. Send a message to go on.',
  MCP_SERVER_FAILED: 'The answer goes on without this server. Check its entry in the MCP config.',
  MCP_PROCESS_LIMIT: 'The server runs as many MCP processes as it may. Try again when other chats have ended.',
  VALIDATION_FAILED: 'Fix the message and send it again.',
  PAYLOAD_TOO_LARGE: 'The message is too long. Shorten it and send again.',
  STREAM_FAILED: 'The server could not be reached. It will be retried.',
};

export const hintFor = (code) => HINTS[code] ?? 'Try again; if it keeps failing, check the server log.';

function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  node.append(...children);
  return node;
}

const pretty = (value) => JSON.stringify(value, null, 2);
const pre = (text) => el('pre', '', String(text));

export function userMessage(text) {
  const item = el('li', 'message user', text);
  item.dataset.role = 'user';
  return item;
}

export function errorCard(code, message) {
  const item = el(
    'li',
    'message assistant error',
    el('div', 'error-title', `Error: ${code}`),
    el('div', '', message),
    el('p', 'hint', hintFor(code)),
  );
  item.setAttribute('role', 'alert');
  return item;
}

/** One assistant turn: steps, then the answer. */
export class TurnView {
  constructor(turnId) {
    this.steps = el('details', 'steps');
    this.stepsTitle = el('summary', '', 'Steps');
    this.stepList = el('div', 'step-list');
    this.steps.append(this.stepsTitle, this.stepList);
    this.steps.hidden = true;
    this.answer = el('div', 'answer');
    this.extras = el('div', 'extras');
    this.node = el('li', 'message assistant', this.steps, this.extras, this.answer);
    this.node.dataset.turn = turnId ?? '';
    this.text = '';
    this.calls = new Map();
    this.count = 0;
    this.pending = false;
  }

  addStep(node) {
    this.steps.hidden = false;
    this.count += 1;
    this.stepsTitle.textContent = `Steps (${this.count})`;
    this.stepList.append(node);
    return node;
  }

  /** Streams a delta into the answer, re-rendered at most once a frame. */
  appendDelta(delta) {
    this.text += delta;
    this.answer.classList.add('streaming');
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.answer.replaceChildren(renderMarkdown(this.text));
      });
    }
  }

  /** The iteration's text was the model thinking before it acts: it moves into the steps. */
  thinking({ iteration, content, reasoning }) {
    this.text = '';
    this.answer.replaceChildren();
    const body = el('div', '');
    if (reasoning) {
      body.append(el('div', 'meta', 'Reasoning'), renderMarkdown(reasoning));
    }
    body.append(content ? renderMarkdown(content) : el('em', '', '(no text)'));
    this.addStep(step(`Thinking · iteration ${iteration}`, body, 'thinking'));
  }

  acting({ iteration, tools }) {
    const names = tools.map((tool) => `${tool.server}/${tool.tool}`).join(', ');
    this.addStep(step(`Acting · iteration ${iteration}`, el('div', '', `Chose: ${names}`), 'acting'));
  }

  toolCall(data) {
    let view = this.calls.get(data.call_id);
    if (!view) {
      view = new ToolCallView(data);
      this.calls.set(data.call_id, view);
      this.addStep(view.node);
    }
    view.update(data);
    // A tool's MCP Apps view is shown in the turn, not folded into its step.
    for (const item of data.content ?? []) {
      if (item.type === 'app') {
        this.extras.append(appView(item));
      }
    }
  }

  observing({ iteration, observations }) {
    const body = el('div', '');
    for (const observation of observations) {
      body.append(
        el('div', 'meta', `${observation.tool}${observation.is_error ? ' (error)' : ''}`),
        pre(observation.content),
      );
    }
    this.addStep(step(`Observing · iteration ${iteration}`, body, 'observing'));
  }

  sampling(data) {
    const label = `Sampling for ${data.server} · ${data.status}${data.duration_ms !== undefined ? ` · ${data.duration_ms} ms` : ''}`;
    const body = el('div', '');
    if (data.prompt) body.append(el('div', 'meta', 'Prompt'), pre(data.prompt));
    if (data.content) body.append(el('div', 'meta', 'Completion'), pre(data.content));
    if (data.error) body.append(el('div', 'meta', 'Error'), pre(data.error));
    const node = step(label, body, 'sampling');
    node.dataset.status = data.status;
    this.addStep(node);
  }

  notice(text) {
    this.extras.append(el('p', 'hint', text));
  }

  final({ content }) {
    this.text = content;
    this.answer.classList.remove('streaming');
    this.answer.replaceChildren(renderMarkdown(content));
  }

  /** The user stopped the turn: no failure. What it produced so far stays. */
  stopped() {
    this.node.classList.add('stopped');
    this.extras.append(el('p', 'stopped-note', 'Stopped'));
  }

  failed({ code, message }) {
    this.answer.classList.remove('streaming');
    if (code === 'TURN_CANCELLED') {
      this.stopped();
      return;
    }
    this.node.classList.add('error');
    this.node.setAttribute('role', 'alert');
    this.answer.append(
      el('div', 'error-title', `Error: ${code}`),
      el('div', '', message),
      el('p', 'hint', hintFor(code)),
    );
  }
}

function step(label, body, kind) {
  const node = el('details', 'step', el('summary', '', el('span', 'label', label)), body);
  node.dataset.kind = kind;
  return node;
}

class ToolCallView {
  constructor(data) {
    this.label = el('span', 'label', data.server ? `${data.server}/${data.tool}` : data.tool);
    this.meta = el('span', 'meta', '');
    this.progress = el('progress', '');
    this.progress.hidden = true;
    this.body = el('div', '', el('div', 'meta', 'Arguments'), pre(pretty(data.arguments)));
    this.node = el('details', 'step tool-call', el('summary', '', this.label, this.meta, this.progress), this.body);
    this.node.dataset.kind = 'tool_call';
  }

  update(data) {
    this.node.dataset.status = data.status;
    const duration = data.duration_ms !== undefined ? ` · ${data.duration_ms} ms` : '';
    this.meta.textContent = `${data.status}${duration}`;
    if (data.progress) {
      this.progress.hidden = false;
      this.progress.value = data.progress.progress;
      if (data.progress.total) this.progress.max = data.progress.total;
      this.meta.textContent = `running · ${data.progress.progress}${data.progress.total ? `/${data.progress.total}` : ''}${data.progress.message ? ` · ${data.progress.message}` : ''}`;
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

function mediaNode(item, url, what) {
  if (item.type === 'image') {
    const image = document.createElement('img');
    image.alt = `Image from the tool (${item.mime_type})`;
    image.src = url;
    return image;
  }
  if (item.type === 'audio') {
    const audio = document.createElement('audio');
    audio.controls = true;
    audio.src = url;
    return audio;
  }
  const link = el('a', '', `Download ${what}`);
  link.href = url;
  link.download = '';
  return link;
}

/** A file or resource of a tool result: images and audio shown, files offered, links named. */
function contentItem(item) {
  const what = item.uri ?? item.mime_type ?? item.type;
  if (!item.url) {
    return el(
      'div',
      'meta',
      `${item.type === 'resource_link' ? 'Resource' : item.type}: ${what}${item.note ? ` (${item.note})` : ''}`,
    );
  }
  const holder = el('div', 'artifact', el('span', 'meta', `Loading ${item.mime_type}…`));
  holder.dataset.type = item.type;
  artifactUrl(item.url).then(
    (url) => holder.replaceChildren(mediaNode(item, url, what)),
    (error) => holder.replaceChildren(el('span', 'meta', `${what}: ${error.message}`)),
  );
  return holder;
}

/** A server's question: a form from its schema, replaced by the outcome once answered. */
export function elicitationCard(data, answer) {
  const card = el('div', 'elicitation');
  card.dataset.elicitation = data.elicitation_id;
  const title = el('div', 'label', `${data.server} asks: `);
  const question = el('span', '', data.message);
  title.append(question);
  const { nodes, read } = schemaForm(data.requested_schema);
  const error = el('div', 'field-error', '');
  const submit = el('button', 'primary', 'Submit');
  submit.type = 'submit';
  const decline = el('button', '', 'Decline');
  decline.type = 'button';
  const cancel = el('button', '', 'Cancel');
  cancel.type = 'button';
  const form = el('form', '', ...nodes, error, el('div', 'buttons', submit, decline, cancel));
  const send = async (body) => {
    error.textContent = '';
    try {
      await answer(body);
    } catch (failure) {
      error.textContent = failure.message;
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void send({ action: 'accept', content: read() });
  });
  decline.addEventListener('click', () => void send({ action: 'decline' }));
  cancel.addEventListener('click', () => void send({ action: 'cancel' }));
  card.append(title, form);
  return card;
}

export function elicitationOutcome(card, data) {
  const outcome = el('p', 'hint', `${data.server}'s question was ${data.status}.`);
  card.querySelector('form')?.replaceWith(outcome);
}

/** A tool call waiting for the user's approval: the tool, its arguments, Approve and Deny. */
export function approvalCard(data, answer) {
  const card = el('div', 'approval');
  card.dataset.approval = data.approval_id;
  const title = el('div', 'label', 'Approve this tool call? ', el('code', '', `${data.server} · ${data.tool}`));
  const args = el('details', '', el('summary', '', 'Arguments'), pre(pretty(data.arguments)));
  args.open = true;
  const expires = el('p', 'hint', `Unanswered, it is declined at ${new Date(data.expires_at).toLocaleTimeString()}.`);
  const approve = el('button', 'primary', 'Approve');
  approve.type = 'button';
  const deny = el('button', 'danger', 'Deny');
  deny.type = 'button';
  const error = el('div', 'field-error', '');
  const send = async (body) => {
    error.textContent = '';
    approve.disabled = deny.disabled = true;
    try {
      await answer(body);
    } catch (failure) {
      approve.disabled = deny.disabled = false;
      error.textContent = failure.message;
    }
  };
  approve.addEventListener('click', () => void send({ approved: true }));
  deny.addEventListener('click', () => void send({ approved: false }));
  card.append(title, args, expires, error, el('div', 'buttons', approve, deny));
  return card;
}

export function approvalOutcome(card, data) {
  const outcome = el('p', 'hint', `${data.tool}: ${data.status}${data.reason ? ` (${data.reason})` : ''}.`);
  card.dataset.status = data.status;
  card.querySelectorAll('.buttons, .hint').forEach((node) => node.remove());
  card.append(outcome);
}

/** A stored history, as the server keeps it, drawn as turns. */
export function historyNodes(messages) {
  const nodes = [];
  const results = new Map(
    messages.filter((message) => message.role === 'tool').map((message) => [message.tool_call_id, message]),
  );
  let turn;
  for (const message of messages) {
    if (message.role === 'user') {
      turn = undefined;
      nodes.push(userMessage(message.content));
      continue;
    }
    if (message.role !== 'assistant') {
      continue;
    }
    if (!turn) {
      turn = new TurnView(undefined);
      nodes.push(turn.node);
    }
    if (message.tool_calls?.length) {
      if (message.content) {
        turn.thinking({ iteration: turn.count + 1, content: message.content });
      }
      for (const call of message.tool_calls) {
        const result = results.get(call.id);
        turn.toolCall({
          call_id: call.id,
          tool: call.name,
          arguments: call.arguments,
          status: result?.is_error ? 'failed' : 'succeeded',
          ...(result?.is_error ? { error: result?.content } : { result: result?.content ?? '' }),
        });
      }
    } else {
      turn.final({ content: message.content });
    }
  }
  return nodes;
}
