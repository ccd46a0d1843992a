// Pages build their DOM with this instead of innerHTML: text from the server is never parsed as HTML.

/** `el('a', { href, class: 'x' }, 'text', child)`; `on*` attributes become listeners, null/false ones are left out. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

/** Shows `text` in a page's live message element, styled by `kind` ('info', 'ok' or 'error'). */
export function say(element, text, kind = 'info') {
  element.textContent = text;
  element.dataset.kind = text ? kind : '';
}

/** An object URL that is revoked when `owner` next replaces its images (see releaseUrls). */
export function blobUrl(owner, blob) {
  const url = URL.createObjectURL(blob);
  (owner.blobUrls ??= []).push(url);
  return url;
}

export function releaseUrls(owner) {
  for (const url of owner.blobUrls ?? []) URL.revokeObjectURL(url);
  owner.blobUrls = [];
}

export const formatDate = (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
