// Cards in a turn: an error with what to do about it, a server's question (elicitation) and a
// tool call waiting for approval, each replaced by its outcome once settled.

import { el, pre, pretty } from './dom.js';
import { schemaForm } from './schema-form.js';

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
