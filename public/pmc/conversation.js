// The open chat's conversation: its history, the turns under way and waiting, and the events that
// draw them. Every turn is drawn right under its own prompt, so an outcome never lands under
// another message; the last turn offers regenerate and edit-and-resend.

import { approvalCard, approvalOutcome, elicitationCard, elicitationOutcome, errorCard, hintFor } from './cards.js';
import { button, el } from './dom.js';
import { historyNodes, replacedGroup, setOutcome, userMessage } from './history-view.js';
import { TurnView } from './turn-view.js';
import { modelLabel } from './models.js';

export class Conversation {
  /**
   * host: { list, answerElicitation(id, answer), answerApproval(id, answer), resend(text, options), busy() }
   */
  constructor(host) {
    this.host = host;
    this.list = host.list;
    this.turns = new Map();
    this.started = new Map();
  }

  clear() {
    this.turns.clear();
    this.started.clear();
    this.list.replaceChildren();
  }

  /** What a new chat shows until its first message. */
  showEmpty() {
    this.clear();
    const hint = el(
      'li',
      'empty-chat',
      el('h2', '', 'New chat'),
      el('p', '', 'Ask anything. Type / for the servers’ prompts, @ to attach a resource.'),
    );
    this.list.append(hint);
  }

  /** A session as a join gives it: its latest history, then the turn under way and those waiting. */
  draw(joined, earlier) {
    this.clear();
    const first = joined.next_before ?? 0;
    this.list.append(...(earlier ? [earlier] : []), ...historyNodes(joined.messages ?? [], first));
    const running = joined.running_turn;
    if (running) {
      this.append(userMessage(running.content, { attachments: running.attachments, turnId: running.turn_id }));
      this.turn(running.turn_id).waiting();
    }
    for (const turn of joined.queued_turns ?? []) {
      this.append(
        userMessage(turn.content, { attachments: turn.attachments, turnId: turn.turn_id, outcome: 'queued' }),
      );
    }
    this.refreshActions();
    this.scrollToEnd();
  }

  /** The user's words, on screen as they are sent; `accepted` or `refused` follows. */
  prompt(text, attachments) {
    this.list.querySelector('.empty-chat')?.remove();
    const node = userMessage(text, { attachments });
    this.append(node);
    this.scrollToEnd();
    return node;
  }

  /** The server took the message: its turn runs now, or waits behind another. */
  accepted(node, turnId) {
    node.dataset.turn = turnId;
    if (this.turns.has(turnId) || this.started.has(turnId)) {
      // Its events came before the answer to the send: the turn is already under way.
      this.place(turnId);
      return;
    }
    // Behind a turn still under way, it waits its turn.
    if (this.runningTurn()) {
      setOutcome(node, 'queued');
    } else {
      this.turn(turnId).waiting();
    }
    this.refreshActions();
  }

  /** The server refused the message: the reason goes right under it. */
  refused(node, error) {
    const card = errorCard(error.code ?? 'CLIENT_ERROR', error.message);
    node.after(card);
    this.scrollToEnd();
  }

  /** The view of a turn, drawn under its prompt (or at the end when the prompt is not on screen). */
  turn(turnId) {
    let view = this.turns.get(turnId);
    if (!view) {
      view = new TurnView(turnId);
      this.turns.set(turnId, view);
      const prompt = this.promptOf(turnId);
      if (prompt) {
        setOutcome(prompt, undefined);
        prompt.after(view.node);
      } else {
        this.append(view.node);
      }
    }
    return view;
  }

  promptOf(turnId) {
    return turnId ? this.list.querySelector(`li.user[data-turn="${CSS.escape(turnId)}"]`) : null;
  }

  /** Moves a turn drawn before its prompt was known right under it. */
  place(turnId) {
    const view = this.turns.get(turnId);
    const prompt = this.promptOf(turnId);
    if (view && prompt && prompt.nextElementSibling !== view.node) {
      setOutcome(prompt, undefined);
      prompt.after(view.node);
    }
  }

  runningTurn() {
    return [...this.turns.values()].find((view) => view.node.dataset.ended !== 'true');
  }

  /** A turn's own event; false for an event about the session as a whole. */
  onTurnEvent(event) {
    const { turn_id: turnId, data } = event;
    if (!turnId) {
      return false;
    }
    if (!this.started.has(turnId)) {
      this.started.set(turnId, Date.parse(event.ts));
    }
    switch (event.type) {
      case 'status':
        this.turn(turnId).waiting();
        return true;
      case 'partial_response':
        this.turn(turnId).appendDelta(data.delta);
        return true;
      case 'thinking':
        this.turn(turnId).thinking(data);
        return true;
      case 'tool_call':
        this.turn(turnId).toolCall(data);
        return true;
      case 'sampling':
        this.turn(turnId).sampling(data);
        return true;
      case 'final_response':
        this.turn(turnId).final(
          { ...data, model: data.model && modelLabel(data.model) },
          Date.parse(event.ts) - this.started.get(turnId),
        );
        this.refreshActions();
        return true;
      case 'error':
        if (data.server) {
          // A notice about one server: the turn goes on.
          this.turn(turnId).notice(`⚠ ${data.message} ${hintFor(data.code)}`);
        } else {
          this.turn(turnId).failed(data);
          this.refreshActions();
        }
        return true;
      case 'elicitation':
        this.pending(event, 'elicitation', elicitationCard, elicitationOutcome, this.host.answerElicitation);
        return true;
      case 'approval':
        this.pending(event, 'approval', approvalCard, approvalOutcome, this.host.answerApproval);
        return true;
      default:
        // acting and observing repeat what the tool steps show.
        return ['acting', 'observing'].includes(event.type);
    }
  }

  /** A question the turn waits on: a card while pending, its outcome in the same card once settled. */
  pending(event, kind, card, outcome, answer) {
    const id = event.data[`${kind}_id`];
    // A call from a tool's view between turns belongs to no turn.
    const host = event.turn_id ? this.turn(event.turn_id).extras : this.list;
    const existing = host.querySelector(`[data-${kind}="${CSS.escape(id)}"]`);
    if (event.data.status !== 'pending') {
      if (existing) outcome(existing, event.data);
      return;
    }
    const node = card(event.data, (body) => answer(id, body));
    host.append(node);
    node.querySelector('input, select, button')?.focus();
    this.scrollToEnd();
  }

  /** A card that belongs to no turn (an approval from a tool's view between turns). */
  sessionCard(event) {
    const kind = event.type;
    const answer = kind === 'approval' ? this.host.answerApproval : this.host.answerElicitation;
    const [card, outcome] =
      kind === 'approval' ? [approvalCard, approvalOutcome] : [elicitationCard, elicitationOutcome];
    this.pending(event, kind, card, outcome, answer);
  }

  /** Regenerate and edit are offered on the last turn only, and only while nothing runs. */
  refreshActions() {
    this.list.querySelectorAll('.last-turn-action').forEach((node) => node.remove());
    const prompts = [...this.list.querySelectorAll(':scope > li.user')];
    const last = prompts.at(-1);
    if (!last || this.host.busy() || last.dataset.outcome === 'queued') {
      return;
    }
    const content = last.dataset.content;
    const edit = button('Edit', {
      className: 'ghost last-turn-action',
      title: 'Edit and send again',
      onClick: () => this.edit(last),
    });
    last.querySelector('.message-actions').append(edit);
    // Under the answer (also a failed or stopped one), or under the prompt of a turn that has none.
    const answer = last.nextElementSibling?.matches('li.assistant') ? last.nextElementSibling : last;
    const actions = answer.querySelector('.message-actions');
    actions.hidden = false;
    actions.append(
      button('Regenerate', {
        className: 'ghost last-turn-action',
        title: 'Answer this again',
        onClick: () => void this.resend(last, content),
      }),
    );
  }

  /** The last prompt becomes a text box; sending it replaces the last turn. */
  edit(prompt) {
    const box = el('textarea', 'edit-box');
    box.value = prompt.dataset.content;
    box.setAttribute('aria-label', 'Edit your message');
    const save = button('Send', { className: 'primary', onClick: () => void this.resend(prompt, box.value.trim()) });
    const cancel = button('Cancel', { onClick: () => form.replaceWith(text) });
    const form = el('div', 'edit-form', box, el('div', 'buttons', save, cancel));
    const text = prompt.querySelector('.user-text');
    text.replaceWith(form);
    box.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        save.click();
      } else if (event.key === 'Escape') {
        cancel.click();
      }
    });
    box.focus();
  }

  /** Folds the last turn away as replaced, and sends its new version. */
  async resend(prompt, content) {
    if (!content) {
      return;
    }
    const nodes = [prompt];
    for (let next = prompt.nextElementSibling; next; next = next.nextElementSibling) {
      nodes.push(next);
    }
    nodes.forEach((node) => node.querySelectorAll('.last-turn-action').forEach((action) => action.remove()));
    const group = replacedGroup([]);
    prompt.before(group);
    group.querySelector('.replaced-list').append(...nodes);
    const form = prompt.querySelector('.edit-form');
    form?.replaceWith(el('div', 'user-text', prompt.dataset.content));
    await this.host.resend(content, { replace_last: true });
  }

  append(node) {
    const atEnd = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 80;
    this.list.append(node);
    if (atEnd) {
      this.scrollToEnd();
    }
  }

  scrollToEnd() {
    this.list.scrollTop = this.list.scrollHeight;
  }
}
