/** FER2013's label order; the index is the label stored in every data set and manifest. */
export const EXPRESSIONS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;

export type Expression = (typeof EXPRESSIONS)[number];

export const NUM_EXPRESSIONS = EXPRESSIONS.length;

export function isExpression(name: string): name is Expression {
  return (EXPRESSIONS as readonly string[]).includes(name);
}

export function expressionLabel(name: Expression): number {
  return EXPRESSIONS.indexOf(name);
}

/** Parses a user-supplied expression name, case-insensitively, with an error that lists the valid ones. */
export function parseExpression(name: string): Expression {
  const lower = name.trim().toLowerCase();
  if (isExpression(lower)) return lower;
  throw new RangeError(`unknown expression '${name}' (expected one of ${EXPRESSIONS.join(', ')})`);
}
