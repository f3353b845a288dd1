// A fenced code block: its language, a copy button, and syntax highlighting by Prism (vendored
// from npm into vendor/prism.js). Prism only tokenizes here: each token becomes a span holding a
// text node, so highlighted code is never parsed as HTML either.

import { copyButton, el } from './dom.js';

const ALIASES = {
  js: 'javascript',
  ts: 'typescript',
  sh: 'bash',
  shell: 'bash',
  py: 'python',
  yml: 'yaml',
  html: 'markup',
  xml: 'markup',
};

function tokensToNodes(tokens) {
  return tokens.map((token) => {
    if (typeof token === 'string') {
      return document.createTextNode(token);
    }
    const content = Array.isArray(token.content) ? token.content : [token.content];
    const span = el('span', `token ${token.type}`, ...tokensToNodes(content));
    if (token.alias) {
      span.classList.add(...[token.alias].flat());
    }
    return span;
  });
}

export function codeBlock(text, language) {
  const code = el('code', '');
  const name = ALIASES[language?.toLowerCase()] ?? language?.toLowerCase();
  const grammar = name ? window.Prism?.languages?.[name] : undefined;
  if (grammar) {
    code.append(...tokensToNodes(window.Prism.tokenize(text, grammar)));
    code.className = `language-${name}`;
  } else {
    code.append(text);
  }
  if (language) {
    code.dataset.language = language;
  }
  const header = el(
    'div',
    'code-header',
    el('span', 'code-language', language || 'text'),
    copyButton(text, 'Copy code'),
  );
  return el('div', 'code-block', header, el('pre', '', code));
}
