// Small DOM helpers shared by the page's modules. Text only ever goes into text nodes.

export function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  node.append(...children);
  return node;
}

/** A button (type=button unless told) with its label, an accessible name and a click handler. */
export function button(label, { className = '', title, onClick, type = 'button' } = {}) {
  const node = el('button', className, label);
  node.type = type;
  if (title) {
    node.title = title;
    node.setAttribute('aria-label', title);
  }
  if (onClick) {
    node.addEventListener('click', onClick);
  }
  return node;
}

export const pre = (text) => el('pre', '', String(text));
export const pretty = (value) => JSON.stringify(value, null, 2);

/** Copies text to the clipboard; the button says so for a moment. */
export function copyButton(text, label = 'Copy') {
  const node = button(label, { className: 'ghost copy', title: `${label} as Markdown` });
  node.addEventListener('click', () => {
    // The clipboard is there only in a secure context (https, or loopback).
    const copied = navigator.clipboard?.writeText(typeof text === 'function' ? text() : text) ?? Promise.reject();
    void copied.then(
      () => flash(node, 'Copied'),
      () => flash(node, 'Copy failed'),
    );
  });
  return node;
}

function flash(node, text) {
  const before = node.textContent;
  node.textContent = text;
  node.dataset.flash = text;
  setTimeout(() => {
    node.textContent = before;
    delete node.dataset.flash;
  }, 1500);
}

/** Plain text of a title someone may have written in Markdown: no markers, one line. */
export function plainTitle(text) {
  return String(text ?? '')
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`~#>|]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** "1.2 s" or "850 ms". */
export function duration(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
