import { EXPRESSIONS } from '../../core/expressions.js';
import type { NoiseEstimate } from './confident-learning.js';

/** The noise matrix as text, a row per given label and a column per true label, with the true labels' prior below. */
export function formatNoiseMatrix({ noiseMatrix, truePrior }: NoiseEstimate): string {
  const line = (name: string, cells: readonly string[]) => `${name.padEnd(12)} ${cells.map((c) => c.padStart(8)).join(' ')}`;
  const values = (row: readonly number[]) => row.map((v) => v.toFixed(3));
  return [
    line('given\\true', EXPRESSIONS.slice(0, truePrior.length)),
    ...noiseMatrix.map((row, i) => line(EXPRESSIONS[i]!, values(row))),
    line('true prior', values(truePrior)),
  ].join('\n');
}
