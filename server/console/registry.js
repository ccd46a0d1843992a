// The registry as the Models and Operate pages read it: GET /v1/models, grouped by translator.
import { explain, getJson } from './api.js';
import { say } from './dom.js';
import { currentKey } from './key.js';

const CHAMPION = 'champion';

/** `[{ id, source, target, champion (a version or undefined), versions (newest first) }]`. */
export async function loadRegistry() {
  const translators = new Map();
  for (const version of await getJson('/v1/models')) {
    const id = `${version.source}-to-${version.target}`;
    if (!translators.has(id)) translators.set(id, { id, source: version.source, target: version.target, champion: undefined, versions: [] });
    const translator = translators.get(id);
    translator.versions.unshift(version);
    if (version.aliases.includes(CHAMPION)) translator.champion = version;
  }
  return [...translators.values()];
}

/**
 * The registry for an admin page, or undefined with the reason shown in `message` and `list`
 * emptied: without a key (`noKey` says what to do) or when the registry cannot be read.
 */
export async function loadRegistryInto(message, list, noKey) {
  const fail = (text) => {
    say(message, text, 'error');
    list.replaceChildren();
    return undefined;
  };
  if (!currentKey()) return fail(noKey);
  try {
    return await loadRegistry();
  } catch (error) {
    return fail(explain(error, 'read the model registry'));
  }
}

export const translatorTitle = (t) => `${t.source} → ${t.target}`;

/** The validation verdict in words, when the version carries one (shipped translators do); else null. */
export const verdictOf = (version) => (typeof version.metrics.verdict === 'string' ? version.metrics.verdict : null);
