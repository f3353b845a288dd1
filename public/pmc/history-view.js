// The user's side of the conversation, and a stored history drawn as turns: prompts with how their
// turn ended when it did not complete, answers, and the turns a later one replaced, folded away.

import { copyButton, el } from './dom.js';
import { modelLabel } from './models.js';
import { TurnView } from './turn-view.js';

const OUTCOMES = {
  queued: 'Queued',
  cancelled: 'Stopped',
  failed: 'Not answered: the turn failed',
  interrupted: 'Not answered: the server stopped during the turn',
};

/** The user's message: its words, what it attaches, and (when it has one) how its turn ended. */
export function userMessage(text, { attachments = [], turnId, outcome } = {}) {
  const item = el('li', 'message user', el('div', 'user-text', text));
  item.dataset.role = 'user';
  item.dataset.content = text;
  if (turnId) {
    item.dataset.turn = turnId;
  }
  if (attachments.length > 0) {
    item.append(
      el(
        'div',
        'attachments',
        ...attachments.map((attachment) => {
          const chip = el('span', 'chip', `@ ${attachment.name ?? attachment.uri}`);
          chip.title = `${attachment.server}: ${attachment.uri}${attachment.note ? ` (${attachment.note})` : ''}`;
          return chip;
        }),
      ),
    );
  }
  item.append(el('div', 'message-actions', copyButton(text)));
  setOutcome(item, outcome);
  return item;
}

/** Marks a prompt queued, stopped or not answered; undefined clears the mark. */
export function setOutcome(item, outcome) {
  item.querySelector('.outcome')?.remove();
  if (outcome) {
    item.dataset.outcome = outcome;
    item.querySelector('.user-text').after(el('div', 'outcome', OUTCOMES[outcome] ?? outcome));
  } else {
    delete item.dataset.outcome;
  }
}

/** Turns a later turn replaced (regenerated or edited): kept, folded under one line. */
export function replacedGroup(nodes) {
  const group = el(
    'li',
    'replaced-group',
    el('details', '', el('summary', '', 'Earlier version (replaced)'), el('ol', 'replaced-list', ...nodes)),
  );
  return group;
}

/** A stored history, as the server keeps it, drawn as turns; `first` is the index of its first message. */
export function historyNodes(messages, first = 0) {
  const replacedFrom = new Map();
  messages.forEach((message, i) => {
    if (message.replaces !== undefined) {
      replacedFrom.set(first + i, message.replaces);
    }
  });
  // Every index a later message replaced.
  const replaced = (index) => [...replacedFrom].some(([at, from]) => index >= from && index < at);
  const nodes = [];
  let fold = [];
  const flush = () => {
    if (fold.length > 0) {
      nodes.push(replacedGroup(fold));
      fold = [];
    }
  };
  const results = new Map(
    messages.filter((message) => message.role === 'tool').map((message) => [message.tool_call_id, message]),
  );
  let turn;
  messages.forEach((message, i) => {
    const into = replaced(first + i) ? fold : (flush(), nodes);
    if (message.role === 'user') {
      turn = undefined;
      into.push(userMessage(message.content, { attachments: message.attachments, outcome: message.incomplete }));
      return;
    }
    if (message.role !== 'assistant') {
      return;
    }
    if (!turn || !into.includes(turn.node)) {
      turn = new TurnView(undefined);
      into.push(turn.node);
    }
    if (message.tool_calls?.length) {
      turn.thinking({ content: message.content });
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
      turn.final({ content: message.content, model: message.model && modelLabel(message.model) });
    }
  });
  flush();
  return nodes;
}
