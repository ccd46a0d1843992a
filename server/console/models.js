// Models: every translator's versions, and one version's verdict, pictures, audit history and card.
import { explain, getJson, request } from './api.js';
import { blobUrl, el, formatDate, releaseUrls, say } from './dom.js';
import { renderMarkdown } from './markdown.js';
import { loadRegistryInto, translatorTitle, verdictOf } from './registry.js';

/** The stored pictures of a version, in the order shown, with the file names a model card uses for them. */
const PICTURES = [
  { kind: 'sample-grid', file: 'samples.png', wide: true, caption: 'Sample grid: faces (top) and what this version makes of them (bottom)' },
  { kind: 'loss-plot', file: 'losses.png', caption: 'Training losses' },
  { kind: 'precision-chart', file: 'precision.png', caption: 'Validation: precision per class, without and with the synthetic faces' },
  { kind: 'auc-chart', file: 'auc.png', caption: 'Validation: ROC-AUC per class, without and with the synthetic faces' },
];

export async function showModels() {
  const message = document.getElementById('models-message');
  const list = document.getElementById('models-list');
  document.getElementById('model-detail').hidden = true;
  const translators = await loadRegistryInto(message, list, 'The registry is shown to admin keys only: enter a key with the admin scope above.');
  if (!translators) return;
  say(message, translators.length ? '' : 'The registry has no model versions yet.');
  list.replaceChildren(...translators.map(translatorTable));
}

function translatorTable(translator) {
  const rows = translator.versions.map((version) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row' }, `v${version.version} `, version === translator.champion ? el('span', { class: 'badge champion' }, 'champion') : null),
      el('td', {}, el('span', { class: `badge ${version.status}` }, version.status)),
      el('td', { class: 'verdict' }, verdictOf(version) ?? '—'),
      el('td', {}, formatDate(version.createdAt)),
      el('td', {}, el('button', { type: 'button', onclick: () => showVersion(translator, version), 'aria-label': `Details of ${translatorTitle(translator)} v${version.version}` }, 'Details')),
    ),
  );
  return el(
    'div',
    { class: 'scroll' },
    el(
      'table',
      { class: 'versions' },
      el('caption', {}, `${translatorTitle(translator)}: champion ${translator.champion ? `v${translator.champion.version}` : 'none'}`),
      el('thead', {}, el('tr', {}, ['Version', 'Status', 'Verdict', 'Registered', 'Details'].map((name) => el('th', { scope: 'col' }, name)))),
      el('tbody', {}, rows),
    ),
  );
}

async function showVersion(translator, version) {
  const detail = document.getElementById('model-detail');
  const title = document.getElementById('model-title');
  releaseUrls(detail);
  detail.shown = version;
  detail.hidden = false;
  title.textContent = `${translatorTitle(translator)} v${version.version}`;
  title.focus();
  document.getElementById('model-verdict').replaceChildren(el('span', { class: `badge ${version.status}` }, version.status), ' ', verdictOf(version) ?? '');

  const stored = new Set(version.artifacts.map((a) => a.kind));
  const urls = new Map();
  // Each picture is fetched once, with the key, and shared by the gallery and the card.
  const pictureUrl = (kind) => {
    if (!urls.has(kind)) urls.set(kind, request(`/v1/models/${version.id}/artifacts/${kind}`).then(async (response) => blobUrl(detail, await response.blob())));
    return urls.get(kind);
  };
  const picture = (kind, alt) => {
    const img = el('img', { alt });
    pictureUrl(kind).then(
      (url) => (img.src = url),
      (error) => img.replaceWith(el('span', { class: 'message', 'data-kind': 'error' }, explain(error, `load the ${kind}`))),
    );
    return img;
  };
  const shown = PICTURES.filter(({ kind }) => stored.has(kind));
  document.getElementById('model-pictures').replaceChildren(
    ...(shown.length
      ? shown.map(({ kind, caption, wide }) => el('figure', { class: wide ? 'wide' : null }, picture(kind, `${caption}, ${translatorTitle(translator)} v${version.version}`), el('figcaption', {}, caption)))
      : [el('p', { class: 'muted' }, 'This version has no pictures stored in the registry.')]),
  );
  const inCard = (src, alt) => {
    const known = PICTURES.find((p) => p.file === src && stored.has(p.kind));
    return known ? picture(known.kind, alt || known.caption) : el('em', { class: 'muted' }, `(picture ${src} is not stored in the registry)`);
  };
  document.getElementById('model-card').replaceChildren(version.report ? renderMarkdown(version.report, inCard) : el('p', { class: 'muted' }, 'This version has no model card.'));

  const history = document.getElementById('model-history');
  history.replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
  const answer = await getJson(`/v1/models/${translator.id}/history`).then((events) => ({ events }), (error) => ({ error }));
  // Another version's details may have been opened while this answer was on its way.
  if (detail.shown !== version) return;
  history.replaceChildren(answer.error ? el('p', { class: 'message', 'data-kind': 'error' }, explain(answer.error, 'read the audit history')) : historyTable(answer.events));
}

/** The champion's moves, newest first. */
function historyTable(events) {
  if (events.length === 0) return el('p', { class: 'muted' }, 'No champion moves yet.');
  const move = (e) => `${e.action} ${e.fromVersion ? `v${e.fromVersion}` : '(none)'} → v${e.toVersion}${e.forced ? ' (forced)' : ''}`;
  return el(
    'table',
    {},
    el('thead', {}, el('tr', {}, ['When', 'Move', 'Actor', 'Reason'].map((name) => el('th', { scope: 'col' }, name)))),
    el('tbody', {}, [...events].reverse().map((e) => el('tr', {}, el('td', {}, formatDate(e.createdAt)), el('td', {}, move(e)), el('td', {}, e.actor), el('td', {}, e.reason ?? '')))),
  );
}
