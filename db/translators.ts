import { EXPRESSIONS, type Expression, isExpression } from '../core/expressions.js';
import { ValidationError } from './errors.js';

/** A translator turns faces of one expression into another; it names a line of model versions. */
export interface Translator {
  source: Expression;
  target: Expression;
}

export function formatTranslator({ source, target }: Translator): string {
  return `${source}->${target}`;
}

/** Reads `neutral->happy` or, for shells where `>` is a nuisance, `neutral:happy`. */
export function parseTranslator(text: string): Translator {
  const match = /^\s*([a-z]+)\s*(?:->|:)\s*([a-z]+)\s*$/i.exec(text);
  if (!match) throw new ValidationError(`bad translator '${text}' (expected source->target or source:target, e.g. neutral:happy)`);
  return checkTranslator({ source: match[1]!.toLowerCase() as Expression, target: match[2]!.toLowerCase() as Expression });
}

/** Checks a translator from any caller (HTTP bodies included) before it reaches the database. */
export function checkTranslator<T extends Translator>(translator: T): T {
  for (const name of [translator.source, translator.target]) {
    if (!isExpression(name)) throw new ValidationError(`unknown expression '${name}' (expected one of ${EXPRESSIONS.join(', ')})`);
  }
  if (translator.source === translator.target) throw new ValidationError(`a translator needs two different expressions, got ${formatTranslator(translator)}`);
  return translator;
}
