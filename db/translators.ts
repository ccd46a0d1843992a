import { type Expression, parseExpression } from '../core/expressions.js';
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
  return checkTranslator({ source: parseExpression(match[1]!), target: parseExpression(match[2]!) });
}

export function checkTranslator(translator: Translator): Translator {
  if (translator.source === translator.target) throw new ValidationError(`a translator needs two different expressions, got ${formatTranslator(translator)}`);
  return translator;
}
