import type { ModelRef } from '../../db/registry.js';
import { type Translator, checkTranslator } from '../../db/translators.js';
import { isExpression } from '../../core/expressions.js';
import { Problem } from '../problems.js';

/**
 * Path ids of the operator API: `neutral-to-disgust` names a translator, `neutral-to-disgust-v3`
 * one of its versions. Readable in a URL and a shell, unlike `neutral->disgust`.
 */
export function modelId(ref: Translator & { version?: number }): string {
  return `${ref.source}-to-${ref.target}${ref.version === undefined ? '' : `-v${ref.version}`}`;
}

export function parseModelId(id: string): Translator & { version?: number } {
  const match = /^([a-z]+)-to-([a-z]+)(?:-v(\d+))?$/.exec(id);
  if (!match || !isExpression(match[1]!) || !isExpression(match[2]!)) {
    throw new Problem('bad-request', `bad model id '${id}' (expected <source>-to-<target>, or -v<N> after it for one version, e.g. neutral-to-disgust-v2)`);
  }
  const translator = checkTranslator({ source: match[1], target: match[2] });
  return match[3] === undefined ? translator : { ...translator, version: Number(match[3]) };
}

export function parseVersionId(id: string): ModelRef {
  const parsed = parseModelId(id);
  if (parsed.version === undefined) throw new Problem('bad-request', `'${id}' names a translator; this operation needs one version, e.g. ${id}-v1`);
  return parsed as ModelRef;
}
