// What a tool result shows besides its text: images and audio, files to download, resources named.

import { el } from './dom.js';
import { artifactUrl } from './transports.js';

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
export function contentItem(item) {
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
