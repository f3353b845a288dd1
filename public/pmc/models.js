// The model picker in the header: the models the caller may use (GET /api/v3/models), showing the
// open chat's. A new chat takes the one picked when it is created; an open chat switches from its
// next message on.

import { http } from './transports.js';

// Each model's label by id, as the list gave it: answers show it.
const labels = new Map();

/** What an answer shows of the model that wrote it: its label, or its id when the list lacks it. */
export const modelLabel = (id) => labels.get(id) ?? id;

export class ModelPicker {
  /** select: the header's <select>; onPick(model): the person picked another model. */
  constructor(select, onPick) {
    this.select = select;
    this.default = undefined;
    select.addEventListener('change', () => onPick(select.value));
  }

  /** Fills the list; none configured (or none the caller may use) hides it. */
  async load() {
    const { models, default: fallback } = await http('GET', '/api/v3/models');
    this.default = fallback ?? undefined;
    labels.clear();
    models.forEach((model) => labels.set(model.id, model.label));
    this.select.replaceChildren(
      ...models.map((model) => {
        const option = document.createElement('option');
        option.value = model.id;
        option.textContent = model.label;
        option.title = `${model.provider}:${model.model}`;
        return option;
      }),
    );
    this.select.hidden = models.length === 0;
    // One model: shown, nothing to pick.
    this.select.disabled = models.length < 2;
    this.show(undefined);
  }

  /** Shows the chat's model (a new chat: the default). */
  show(model) {
    const id = model ?? this.default;
    if (id !== undefined && !labels.has(id)) {
      // A model that left the configuration stays visible for the chat that has it.
      const option = document.createElement('option');
      option.value = id;
      option.textContent = `${id} (unavailable)`;
      this.select.append(option);
    }
    this.select.value = id ?? '';
    this.select.title = id ? `Model: ${this.select.selectedOptions[0]?.title || id}` : '';
  }

  /** The model picked for the chat on screen. */
  get value() {
    return this.select.value || undefined;
  }
}
