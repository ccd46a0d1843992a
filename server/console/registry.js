// The registry as the Models and Operate pages read it: GET /v1/models, grouped by translator.
import { getJson } from './api.js';

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

export const translatorTitle = (t) => `${t.source} → ${t.target}`;

/** The validation verdict in words, when the version carries one (shipped translators do); else null. */
export const verdictOf = (version) => (typeof version.metrics.verdict === 'string' ? version.metrics.verdict : null);
