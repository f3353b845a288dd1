// The composer's pop-up list (for / and @) and the small form that asks a prompt's arguments or a
// resource template's variables. Keyboard first: arrows move, Enter or Tab chooses, Escape closes.

import { button, el } from './dom.js';

export class Picker {
  constructor(host) {
    this.list = el('ul', 'picker');
    this.list.id = 'picker';
    this.list.setAttribute('role', 'listbox');
    this.list.hidden = true;
    host.append(this.list);
    this.items = [];
    this.active = 0;
  }

  get open() {
    return !this.list.hidden;
  }

  /** items: [{ label, detail, group, pick() }]; `empty` says why there is nothing. */
  show(items, empty) {
    this.items = items;
    this.active = 0;
    this.list.replaceChildren(
      ...(items.length === 0 ? [el('li', 'picker-empty', empty)] : items.map((item, i) => this.option(item, i))),
    );
    this.list.hidden = false;
    this.highlight();
  }

  option(item, index) {
    const node = el(
      'li',
      'picker-option',
      el('span', 'picker-label', item.label),
      el('span', 'picker-group', item.group ?? ''),
      ...(item.detail ? [el('span', 'picker-detail', item.detail)] : []),
    );
    node.setAttribute('role', 'option');
    node.id = `picker-${index}`;
    // mousedown, not click: the input keeps its focus.
    node.addEventListener('mousedown', (event) => {
      event.preventDefault();
      this.active = index;
      this.choose();
    });
    return node;
  }

  hide() {
    this.list.hidden = true;
    this.items = [];
  }

  move(delta) {
    if (this.items.length > 0) {
      this.active = (this.active + delta + this.items.length) % this.items.length;
      this.highlight();
    }
  }

  highlight() {
    [...this.list.children].forEach((node, i) => {
      node.setAttribute('aria-selected', String(i === this.active));
      if (i === this.active) node.scrollIntoView({ block: 'nearest' });
    });
  }

  choose() {
    const item = this.items[this.active];
    this.hide();
    item?.pick();
  }

  /** Keys the picker takes while open; true when it took the key. */
  key(event) {
    if (!this.open) return false;
    const keys = {
      ArrowDown: () => this.move(1),
      ArrowUp: () => this.move(-1),
      Enter: () => this.choose(),
      Tab: () => this.choose(),
      Escape: () => this.hide(),
    };
    const action = keys[event.key];
    if (!action || event.isComposing || event.shiftKey) return false;
    event.preventDefault();
    action();
    return true;
  }
}

/**
 * A small form for named values (a prompt's arguments, a template's variables) in a dialog;
 * resolves with the values, or undefined when cancelled.
 */
export function askValues(title, description, fields) {
  const dialog = el('dialog', 'values-dialog');
  const inputs = fields.map((field) => {
    const input = el('input', '');
    input.name = field.name;
    input.required = field.required === true;
    input.autocomplete = 'off';
    const label = el('label', '', `${field.name}${field.required ? ' *' : ''}`, input);
    if (field.description) label.append(el('small', 'hint', field.description));
    return { label, input };
  });
  const error = el('div', 'field-error', '');
  const submit = button('Insert', { className: 'primary', type: 'submit' });
  const cancel = button('Cancel');
  const form = el(
    'form',
    '',
    el('h2', '', title),
    ...(description ? [el('p', 'hint', description)] : []),
    ...inputs.map(({ label }) => label),
    error,
    el('div', 'buttons', submit, cancel),
  );
  dialog.append(form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    const close = (values) => {
      dialog.close();
      dialog.remove();
      resolve(values);
    };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      close(
        Object.fromEntries(
          inputs.filter(({ input }) => input.value !== '').map(({ input }) => [input.name, input.value]),
        ),
      );
    });
    cancel.addEventListener('click', () => close(undefined));
    dialog.addEventListener('cancel', () => close(undefined));
    dialog.showModal();
    inputs[0]?.input.focus();
  });
}
