import { argmaxRows } from '../classifier/argmax.js';
import { EXPRESSIONS, NUM_EXPRESSIONS, type Expression } from '../../core/expressions.js';
import { FACE_PIXELS, FACE_SIZE } from '../../core/image-codec.js';
import { kernelInceptionDistance, type Kid, type KidOptions } from './kid.js';
import { ssim } from './ssim.js';

/** How a judge reads a set of faces: the share it classifies as the target, and its mean target probability. */
export interface JudgeReading {
  count: number;
  targetRate: number;
  meanTargetProbability: number;
  /** Share of faces given each label (argmax), for seeing what the faces look like instead. */
  labels: Record<Expression, number>;
}

export interface TranslationQuality {
  target: Expression;
  /** Translations of held-out source faces, read by the judge. */
  expression: JudgeReading;
  /** Real held-out target faces read by the same judge: the most a translation can be expected to reach. */
  ceiling: JudgeReading;
  identity: { ssim: number; meanAbsoluteDifference: number };
  /** KID in a face-feature space between translations and real target faces (lower is more realistic). */
  realism: Kid;
}

export interface QualityInput {
  target: Expression;
  /** Held-out source faces and their translations, count x 2304 grey bytes each, in the same order. */
  sources: Uint8Array;
  translations: Uint8Array;
  /** Judge probabilities (count x 7) of the translations and of real target faces. */
  translationProbabilities: Float32Array;
  realTargetProbabilities: Float32Array;
  /** Feature rows of the translations and of real target faces. */
  translationFeatures: readonly Float32Array[];
  realTargetFeatures: readonly Float32Array[];
  kid: KidOptions;
}

export function readJudge(probabilities: Float32Array, target: Expression): JudgeReading {
  const count = probabilities.length / NUM_EXPRESSIONS;
  const label = EXPRESSIONS.indexOf(target);
  const labels = Object.fromEntries(EXPRESSIONS.map((e) => [e, 0])) as Record<Expression, number>;
  let hits = 0;
  let probability = 0;
  const predicted = argmaxRows(probabilities, NUM_EXPRESSIONS);
  for (let i = 0; i < count; i++) {
    labels[EXPRESSIONS[predicted[i]!]!] += 1 / count;
    if (predicted[i] === label) hits++;
    probability += probabilities[i * NUM_EXPRESSIONS + label]!;
  }
  return { count, targetRate: hits / count, meanTargetProbability: probability / count, labels };
}

export function translationQuality(input: QualityInput): TranslationQuality {
  const count = input.sources.length / FACE_PIXELS;
  if (input.translations.length !== input.sources.length) throw new RangeError('every source needs its translation');
  let similarity = 0;
  let difference = 0;
  for (let i = 0; i < count; i++) {
    const source = input.sources.subarray(i * FACE_PIXELS, (i + 1) * FACE_PIXELS);
    const translation = input.translations.subarray(i * FACE_PIXELS, (i + 1) * FACE_PIXELS);
    similarity += ssim(source, translation, FACE_SIZE);
    let sum = 0;
    for (let p = 0; p < FACE_PIXELS; p++) sum += Math.abs(source[p]! - translation[p]!);
    difference += sum / FACE_PIXELS;
  }
  return {
    target: input.target,
    expression: readJudge(input.translationProbabilities, input.target),
    ceiling: readJudge(input.realTargetProbabilities, input.target),
    identity: { ssim: similarity / count, meanAbsoluteDifference: difference / count },
    realism: kernelInceptionDistance(input.translationFeatures, input.realTargetFeatures, input.kid),
  };
}
