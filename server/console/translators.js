// The translators with a champion (GET /v1/translators), shared by the Try and Jobs pages.
import { getJson } from './api.js';
import { el } from './dom.js';

export const loadTranslators = () => getJson('/v1/translators');

/** Fills a source <select> with the sources that have champions, keeping the chosen one (default neutral). */
export function fillSources(select, translators) {
  const sources = [...new Set(translators.map((t) => t.source))];
  const chosen = sources.includes(select.value) ? select.value : sources.includes('neutral') ? 'neutral' : sources[0];
  select.replaceChildren(...sources.map((source) => el('option', { value: source, selected: source === chosen }, source)));
  select.disabled = sources.length === 0;
}

export const fromSource = (translators, source) => translators.filter((t) => t.source === source);
