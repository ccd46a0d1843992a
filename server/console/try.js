// Try: one face through every champion of the chosen source expression, side by side with the input.
import { explain, request } from './api.js';
import { blobUrl, el, releaseUrls, say } from './dom.js';
import { fillSources, fromSource, loadTranslators } from './translators.js';

const EXTENSIONS = { png: 'png', jpeg: 'jpg', webp: 'webp' };

let translators = [];
let file = null;

export function setUpTry() {
  const form = document.getElementById('try-form');
  const input = document.getElementById('try-file');
  const drop = document.getElementById('try-drop');
  input.addEventListener('change', () => choose(input.files[0]));
  form.addEventListener('change', (event) => event.target !== input && file && translateAll());
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    choose(event.dataTransfer.files[0]);
  });
}

export async function showTry() {
  const message = document.getElementById('try-message');
  try {
    translators = await loadTranslators();
  } catch (error) {
    say(message, explain(error, 'list the translators'), 'error');
    return;
  }
  fillSources(document.getElementById('try-source'), translators);
  if (translators.length === 0) say(message, 'The server has no champion to translate with yet: promote a version on the Operate page.', 'error');
  else if (!file) say(message, '');
}

function choose(chosen) {
  if (!chosen) return;
  file = chosen;
  translateAll();
}

async function translateAll() {
  // The listing may have failed before a key was entered; without it there is nothing to ask.
  if (translators.length === 0) await showTry();
  if (translators.length === 0) return;
  const list = document.getElementById('try-results');
  const message = document.getElementById('try-message');
  const form = document.getElementById('try-form');
  const source = form.elements.source.value;
  const options = { size: form.elements.size.value, format: form.elements.format.value };
  releaseUrls(list);
  const targets = fromSource(translators, source);
  const input = el('li', { class: 'face input' }, el('img', { src: blobUrl(list, file), alt: `the uploaded image ${file.name}` }), el('p', {}, el('strong', {}, 'Input'), el('br'), file.name));
  const cards = targets.map((translator) => el('li', { class: 'face', 'aria-busy': 'true' }, el('p', {}, `${source} → ${translator.target}: translating…`)));
  list.replaceChildren(input, ...cards);
  say(message, `Translating ${file.name} with ${targets.length} champion${targets.length === 1 ? '' : 's'}…`);
  const outcomes = await Promise.all(targets.map((translator, n) => translateOne(translator, options, cards[n], list)));
  const failed = outcomes.filter((ok) => !ok).length;
  say(message, failed ? `${failed} of ${targets.length} translations failed; see below.` : `Translated ${file.name} with ${targets.length} champion${targets.length === 1 ? '' : 's'}.`, failed ? 'error' : 'ok');
}

async function translateOne(translator, { size, format }, card, list) {
  const query = new URLSearchParams({ source: translator.source, target: translator.target, size, format });
  const title = `${translator.source} → ${translator.target}`;
  try {
    const response = await request(`/v1/translate?${query}`, { method: 'POST', body: file, headers: { 'Content-Type': file.type || 'application/octet-stream' } });
    const version = response.headers.get('X-Model-Version');
    // The version that answered, from the response: the champion may have changed since the listing.
    const champion = version === String(translator.champion.version) ? translator.champion : { status: 'new', verdict: 'promoted since this page loaded' };
    const url = blobUrl(list, await response.blob());
    const stem = file.name.replace(/\.[^.]*$/, '');
    card.replaceChildren(
      el('img', { src: url, alt: `${file.name} translated to ${translator.target} by version ${version}` }),
      el('p', {}, el('strong', {}, title), el('br'), `version ${version} `, el('span', { class: `badge ${champion.status}` }, champion.status)),
      champion.verdict ? el('p', { class: 'verdict' }, champion.verdict) : null,
      el('a', { href: url, download: `${stem}-${translator.target}-v${version}.${EXTENSIONS[format]}`, class: 'button' }, `Download ${translator.target}`),
    );
    return true;
  } catch (error) {
    card.replaceChildren(el('p', {}, el('strong', {}, title)), el('p', { class: 'message', 'data-kind': 'error' }, explain(error, `translate with ${title}`)));
    return false;
  } finally {
    card.removeAttribute('aria-busy');
  }
}
