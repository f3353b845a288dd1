// Markdown to DOM nodes for untrusted text (model output, tool results). Nothing is ever parsed as
// HTML: every piece of text becomes a text node, so a <script> or an onerror attribute in the input
// stays visible text. Covers what models write: paragraphs, headings, lists, fenced code (with a
// copy button and highlighting), tables, block quotes, inline code, bold, italics and links, which
// open in a new tab without access to this page.

import { codeBlock } from './code-block.js';

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

function element(tag, children = [], attributes = {}) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function safeUrl(raw) {
  try {
    const url = new URL(raw, window.location.href);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

// Underscores emphasise only at word edges, as in CommonMark: snake_case and __dunder__ stay text.
const INLINE =
  /(`+)([\s\S]*?[^`])\1(?!`)|\*\*([\s\S]+?)\*\*|(?<!\w)__(\S[\s\S]*?)__(?!\w)|\*([^*\s][^*]*?)\*|(?<!\w)_([^_\s][^_]*?)_(?!\w)|\[([^\]]+)\]\(([^)\s]+)\)/;

/** Inline spans of one block, as nodes. */
function inline(text) {
  const nodes = [];
  let rest = text;
  while (rest) {
    const match = INLINE.exec(rest);
    if (!match) {
      nodes.push(document.createTextNode(rest));
      break;
    }
    if (match.index > 0) {
      nodes.push(document.createTextNode(rest.slice(0, match.index)));
    }
    const [whole, , code, strong, strong2, em, em2, label, href] = match;
    if (code !== undefined) {
      nodes.push(element('code', [code]));
    } else if (strong !== undefined || strong2 !== undefined) {
      nodes.push(element('strong', inline(strong ?? strong2)));
    } else if (em !== undefined || em2 !== undefined) {
      nodes.push(element('em', inline(em ?? em2)));
    } else {
      const url = safeUrl(href);
      nodes.push(
        url
          ? element('a', inline(label), { href: url, target: '_blank', rel: 'noopener noreferrer' })
          : document.createTextNode(whole),
      );
    }
    rest = rest.slice(match.index + whole.length);
  }
  return nodes;
}

function paragraph(lines) {
  const children = [];
  lines.forEach((line, index) => {
    if (index > 0) {
      children.push(element('br'));
    }
    children.push(...inline(line));
  });
  return element('p', children);
}

const LIST_ITEM = /^\s*([-*+]|\d+[.)])\s+(.*)$/;
const TABLE_ROW = /^\s*\|.*\|\s*$/;
const TABLE_RULE = /^\s*\|(\s*:?-{3,}:?\s*\|)+\s*$/;

/** A GitHub-style table starts with a row of cells and a rule under it. */
const isTableStart = (lines, index) => TABLE_ROW.test(lines[index]) && TABLE_RULE.test(lines[index + 1] ?? '');

const cells = (row) =>
  row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, '|'));

function table(rows) {
  const [head, rule, ...body] = rows;
  const align = cells(rule).map((cell) => (cell.endsWith(':') ? (cell.startsWith(':') ? 'center' : 'right') : ''));
  const row = (line, tag) =>
    element(
      'tr',
      cells(line).map((cell, i) => element(tag, inline(cell), align[i] ? { class: `align-${align[i]}` } : {})),
    );
  return element(
    'div',
    [
      element('table', [
        element('thead', [row(head, 'th')]),
        element(
          'tbody',
          body.map((line) => row(line, 'td')),
        ),
      ]),
    ],
    {
      class: 'table-wrap',
    },
  );
}

/** A document fragment for the Markdown text. */
export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  const lines = String(text).replace(/\r\n?/g, '\n').split('\n');
  let index = 0;
  while (index < lines.length) {
    const line = lines[index];
    const fence = /^\s*(```|~~~)\s*([\w+-]*)\s*$/.exec(line);
    if (fence) {
      const body = [];
      index++;
      while (index < lines.length && !lines[index].trim().startsWith(fence[1])) {
        body.push(lines[index++]);
      }
      index++;
      fragment.append(codeBlock(body.join('\n'), fence[2]));
      continue;
    }
    if (isTableStart(lines, index)) {
      const rows = [];
      while (index < lines.length && TABLE_ROW.test(lines[index])) {
        rows.push(lines[index++]);
      }
      fragment.append(table(rows));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      fragment.append(element(`h${Math.min(heading[1].length + 2, 6)}`, inline(heading[2])));
      index++;
      continue;
    }
    if (/^\s*>/.test(line)) {
      const quoted = [];
      while (index < lines.length && /^\s*>/.test(lines[index])) {
        quoted.push(lines[index++].replace(/^\s*>\s?/, ''));
      }
      fragment.append(element('blockquote', [renderMarkdown(quoted.join('\n'))]));
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const ordered = /\d/.test(item[1]);
      const items = [];
      while (index < lines.length && LIST_ITEM.test(lines[index])) {
        items.push(element('li', inline(LIST_ITEM.exec(lines[index++])[2])));
      }
      fragment.append(element(ordered ? 'ol' : 'ul', items));
      continue;
    }
    if (!line.trim()) {
      index++;
      continue;
    }
    const block = [];
    while (
      index < lines.length &&
      lines[index].trim() &&
      !/^\s*(```|~~~|#{1,6}\s|>)/.test(lines[index]) &&
      !LIST_ITEM.test(lines[index]) &&
      !isTableStart(lines, index)
    ) {
      block.push(lines[index++]);
    }
    fragment.append(paragraph(block));
  }
  return fragment;
}
