import { EXPRESSIONS, type Expression, NUM_EXPRESSIONS } from '../../core/expressions.js';
import { seededRandom, shuffle } from '../../core/random.js';
import { byClass } from '../data/by-class.js';

/**
 * Known label noise, to measure how well a filter finds it (issue 16): a copy of the labels with a
 * share of each class flipped to another class, and the positions that were flipped.
 *
 * - `uniform`: a flipped label becomes one of the other six classes, each equally likely (the
 *   noise matrix's off-diagonal spread evenly).
 * - `class-conditional`: a flipped label becomes its class's {@link CONFUSION_PARTNER}: one
 *   off-diagonal entry per row, the structure confident learning estimates and that uniform noise
 *   lacks. Like real annotation errors, the wrong label is a plausible one.
 */
export const NOISE_KINDS = ['uniform', 'class-conditional'] as const;
export type NoiseKind = (typeof NOISE_KINDS)[number];

/**
 * Where class-conditional noise sends each class: pairs of expressions that people and classifiers
 * confuse on FER2013 swap (angry and disgust, fear and surprise, sad and neutral), and happy, the
 * class least confused with any, goes to neutral. On FER2013's class sizes angry sends about as many
 * faces into disgust as disgust has, so noisy `disgust` is half angry faces: the hardest class here.
 */
export const CONFUSION_PARTNER: Readonly<Record<Expression, Expression>> = {
  angry: 'disgust',
  disgust: 'angry',
  fear: 'surprise',
  happy: 'neutral',
  sad: 'neutral',
  surprise: 'fear',
  neutral: 'sad',
};

const PARTNER_LABEL = EXPRESSIONS.map((name) => EXPRESSIONS.indexOf(CONFUSION_PARTNER[name]));

export interface InjectedNoise {
  /** The labels with the flips applied, aligned with the input. */
  labels: Uint8Array;
  /** Positions whose label was flipped, ascending. */
  flipped: number[];
}

/**
 * Flips `Math.round(rate * n_c)` labels of each class (chosen with the seed), so every class is
 * corrupted at the same rate, uniformly or class-conditionally; the rest are copied unchanged. The
 * images are drawn before their new labels, so one seed flips the same images under either kind.
 */
export function injectLabelNoise(labels: ArrayLike<number>, kind: NoiseKind, rate: number, seed: number): InjectedNoise {
  if (!(rate > 0 && rate < 1)) throw new RangeError(`noise rate must be in (0, 1), got ${rate}`);
  const random = seededRandom(seed);
  const groups = byClass(Array.from({ length: labels.length }, (_, n) => n), labels);
  const flipped: number[] = [];
  for (const label of [...groups.keys()].sort((a, b) => a - b)) {
    if (!(label >= 0 && label < NUM_EXPRESSIONS)) throw new RangeError(`label ${label} is not one of the ${NUM_EXPRESSIONS} expressions`);
    const members = groups.get(label)!;
    flipped.push(...shuffle([...members], random).slice(0, Math.round(rate * members.length)));
  }
  flipped.sort((a, b) => a - b);
  const noisy = Uint8Array.from(labels);
  for (const n of flipped) noisy[n] = kind === 'uniform' ? otherClass(labels[n]!, random) : PARTNER_LABEL[labels[n]!]!;
  return { labels: noisy, flipped };
}

/** One of the classes other than `label`, each with probability 1 / (K - 1). */
function otherClass(label: number, random: () => number): number {
  const j = Math.floor(random() * (NUM_EXPRESSIONS - 1));
  return j >= label ? j + 1 : j;
}
