import { NUM_EXPRESSIONS } from '../expressions.js';
import type { Layer, Network } from './layers.js';

export interface ClassifierShape {
  /** Multiplies every layer's width: 1 is the reference 32/64/128 conv + 256 dense network. */
  width: number;
  /** Side of the square grey input (FER2013: 48). */
  imageSide: number;
}

const CONV_FILTERS = [32, 64, 128];
const DENSE_UNITS = 256;

/**
 * The study's expression classifier: three blocks of conv3x3 (bias) + ReLU + maxpool 2 + batch
 * norm, a dense layer of 256 + ReLU and 7 logits (softmax is applied by the loss and by
 * prediction). Glorot-uniform initial weights, as the study's Keras model had.
 */
export function expressionClassifier({ width, imageSide }: ClassifierShape): Network {
  if (!(width > 0)) throw new RangeError(`width must be > 0, got ${width}`);
  const scaled = (units: number) => Math.max(1, Math.round(units * width));
  const layers: Layer[] = [];
  let side = imageSide;
  let channels = 1;
  CONV_FILTERS.forEach((filters, i) => {
    channels = scaled(filters);
    side = Math.floor(side / 2);
    layers.push(
      { kind: 'conv', name: `conv${i}`, kernel: 3, stride: 1, filters: channels, pad: 1, bias: true },
      { kind: 'relu' },
      { kind: 'maxPool', size: 2 },
      { kind: 'batchNorm', name: `conv${i}.norm` },
    );
  });
  const hidden = scaled(DENSE_UNITS);
  layers.push(
    { kind: 'linear', name: 'dense', inputs: side * side * channels, units: hidden },
    { kind: 'relu' },
    { kind: 'linear', name: 'logits', inputs: hidden, units: NUM_EXPRESSIONS },
  );
  return { name: `expression_cnn_w${width}`, inputChannels: 1, layers, init: 'glorotUniform' };
}
