// Operate: promote (against the champion this page showed), roll back and archive, with the
// server's refusals explained. After every answer the view is read again from the registry.
import { explain, getJson, postJson } from './api.js';
import { el, say } from './dom.js';
import { loadRegistryInto, translatorTitle, verdictOf } from './registry.js';

export async function showOperate() {
  const message = document.getElementById('operate-message');
  const list = document.getElementById('operate-list');
  const translators = await loadRegistryInto(message, list, 'Operating the registry needs a key with the admin scope: enter one above.');
  if (!translators) return;
  if (translators.length === 0) say(message, 'The registry has no model versions yet.');
  // Asked of the server, which owns the rule (the audit log read as a stack), not recomputed here.
  const previews = await Promise.all(translators.map((t) => getJson(`/v1/models/${t.id}/rollback`).catch((error) => ({ toVersion: null, blocker: explain(error, 'preview a rollback') }))));
  list.replaceChildren(...translators.map((translator, i) => translatorPanel(translator, previews[i])));
}

/**
 * Runs one move, redraws, then reports its outcome at the top of the page (and moves focus
 * there): the message appears only once the page shows the registry it speaks of.
 */
async function act(action, success) {
  const message = document.getElementById('operate-message');
  let outcome;
  try {
    outcome = [success(await action()), 'ok'];
  } catch (error) {
    outcome = [explain(error, 'change the registry'), 'error'];
  }
  await showOperate();
  say(message, ...outcome);
  message.focus();
}

function translatorPanel(translator, rollbackPreview) {
  const id = translator.id;
  const live = translator.versions.filter((v) => v.status !== 'archived' && v !== translator.champion);
  const champion = translator.champion;
  const titleId = `operate-${id}`;
  // No version is chosen until a person picks one: a stray click must not promote or archive.
  const versionOptions = () => [el('option', { value: '' }, live.length ? 'choose a version' : 'no other version'), ...live.map((v) => el('option', { value: v.version }, `v${v.version} (${v.status})`))];

  const promote = el(
    'form',
    { class: 'move', 'aria-label': `Promote a version of ${translatorTitle(translator)}` },
    el('h3', {}, 'Promote'),
    el('label', {}, 'Version ', el('select', { name: 'version', required: true }, versionOptions())),
    el('label', {}, 'Expected champion ', el('input', { name: 'expected', type: 'number', min: 1, value: champion?.version ?? '', placeholder: 'none', 'aria-describedby': `${titleId}-expected` })),
    el('p', { id: `${titleId}-expected`, class: 'muted' }, 'The champion you mean to replace; if it has changed since, nothing happens.'),
    el('label', {}, 'Reason ', el('input', { name: 'reason', required: true })),
    el('label', {}, 'Force reason ', el('input', { name: 'force', placeholder: 'only for a version not accepted' })),
    el('button', { type: 'submit', disabled: live.length === 0 }, 'Promote'),
  );
  promote.addEventListener('submit', (event) => {
    event.preventDefault();
    const f = promote.elements;
    const version = Number(f.version.value);
    act(
      () => postJson(`/v1/models/${id}-v${version}/promote`, { expectedVersion: f.expected.value === '' ? null : Number(f.expected.value), reason: f.reason.value, ...(f.force.value ? { force: f.force.value } : {}) }),
      (event) => `${translatorTitle(translator)}: v${event.toVersion} is now the champion (was ${event.fromVersion ? `v${event.fromVersion}` : 'none'}).`,
    );
  });

  const rollback = el(
    'form',
    { class: 'move', 'aria-label': `Roll back ${translatorTitle(translator)}` },
    el('h3', {}, 'Roll back'),
    el('p', { id: `${titleId}-rollback`, class: 'muted' }, rollbackPreview.toVersion ? `Restores v${rollbackPreview.toVersion}, the champion it replaced.` : `Not possible now: ${rollbackPreview.blocker}.`),
    el('label', {}, 'Reason ', el('input', { name: 'reason', required: true })),
    el('button', { type: 'submit', disabled: !rollbackPreview.toVersion, 'aria-describedby': `${titleId}-rollback` }, 'Roll back to the previous champion'),
  );
  rollback.addEventListener('submit', (event) => {
    event.preventDefault();
    act(() => postJson(`/v1/models/${id}/rollback`, { reason: rollback.elements.reason.value }), (event) => `${translatorTitle(translator)}: rolled back from v${event.fromVersion} to v${event.toVersion}.`);
  });

  const archive = el(
    'form',
    { class: 'move', 'aria-label': `Archive a version of ${translatorTitle(translator)}` },
    el('h3', {}, 'Archive'),
    el('label', {}, 'Version ', el('select', { name: 'version', required: true }, versionOptions())),
    el('button', { type: 'submit', disabled: live.length === 0 }, 'Archive'),
  );
  archive.addEventListener('submit', (event) => {
    event.preventDefault();
    const version = archive.elements.version.value;
    act(() => postJson(`/v1/models/${id}-v${version}/archive`, {}), (v) => `${translatorTitle(translator)}: v${v.version} is archived and no longer served.`);
  });

  return el(
    'article',
    { class: 'panel', 'aria-labelledby': titleId },
    el('h2', { id: titleId }, translatorTitle(translator)),
    el('p', { class: 'champion-line' }, 'Champion: ', el('strong', {}, champion ? `v${champion.version}` : 'none'), ' ', champion ? el('span', { class: `badge ${champion.status}` }, champion.status) : null),
    champion && verdictOf(champion) ? el('p', { class: 'verdict' }, verdictOf(champion)) : null,
    el('div', { class: 'moves' }, promote, rollback, archive),
  );
}
