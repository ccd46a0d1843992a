import type { NamedWeights, WeightTensor } from '../../core/networks/weights.js';

const OUTPUT_LAYER = 'out.conv';

/**
 * The weights of an image-output generator (see GeneratorOptions.output) made into an
 * edit-output one: the output convolution keeps its colour filter and gains a mask filter of
 * zeros with a zero bias, so the warm-started generator first blends its old translation half
 * and half with the input, and the mask is then learnt from there.
 */
export function withEditHead(weights: NamedWeights): NamedWeights {
  const filter = weights.get(`${OUTPUT_LAYER}/filter`);
  const bias = weights.get(`${OUTPUT_LAYER}/bias`);
  if (!filter || !bias) throw new Error(`a generator's weights lack '${OUTPUT_LAYER}'`);
  if (filter.shape.at(-1) !== 1 || bias.shape[0] !== 1) throw new Error(`'${OUTPUT_LAYER}' has ${filter.shape.at(-1)} output channels, not an image generator's 1`);
  const out = new Map(weights);
  out.set(`${OUTPUT_LAYER}/filter`, widenOutputs(filter));
  out.set(`${OUTPUT_LAYER}/bias`, widenOutputs(bias));
  return out;
}

/** [..., 1] -> [..., 2]: the values become channel 0 and channel 1 is zero (TensorFlow layout, outputs last). */
function widenOutputs({ shape, values }: WeightTensor): WeightTensor {
  const wide = new Float32Array(values.length * 2);
  values.forEach((v, i) => (wide[2 * i] = v));
  return { shape: [...shape.slice(0, -1), 2], values: wide };
}
