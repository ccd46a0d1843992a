import { NUM_EXPRESSIONS } from '../expressions.js';
import type { Layer, Network } from './layers.js';

/**
 * `study`: the study's blocks, conv3x3 (bias) + ReLU + maxpool 2 + batch norm. `vgg`: two
 * conv3x3 + batch norm + ReLU, then maxpool 2 (VGG-style), four times the convolution work.
 */
export const CLASSIFIER_ARCHITECTURES = ['study', 'vgg'] as const;
export type ClassifierArchitecture = (typeof CLASSIFIER_ARCHITECTURES)[number];

export interface ClassifierShape {
  architecture: ClassifierArchitecture;
  /** Multiplies every layer's width: 1 is the reference 32/64/128 conv + 256 dense network. */
  width: number;
  /** Dropout rate before and after the dense layer; 0 (the study's) adds no dropout layer. */
  dropout: number;
  /** Side of the square grey input (FER2013: 48). */
  imageSide: number;
}

/** The last layer, whose outputs are the 7 logits (post-hoc logit adjustment shifts its bias). */
export const LOGITS_LAYER = 'logits';

const CONV_FILTERS = [32, 64, 128];
const DENSE_UNITS = 256;

function block(architecture: ClassifierArchitecture, i: number, filters: number): Layer[] {
  const conv = (name: string, bias: boolean): Layer => ({ kind: 'conv', name, kernel: 3, stride: 1, filters, pad: 1, bias });
  if (architecture === 'study') return [conv(`conv${i}`, true), { kind: 'relu' }, { kind: 'maxPool', size: 2 }, { kind: 'batchNorm', name: `conv${i}.norm` }];
  // Batch norm's shift makes a bias before it redundant.
  const unit = (j: number): Layer[] => [conv(`conv${i}.${j}`, false), { kind: 'batchNorm', name: `conv${i}.${j}.norm` }, { kind: 'relu' }];
  return [...unit(0), ...unit(1), { kind: 'maxPool', size: 2 }];
}

/**
 * The expression classifier: three blocks of 32/64/128 filters (see
 * {@link CLASSIFIER_ARCHITECTURES}), a dense layer of 256 + ReLU and 7 logits (softmax is applied
 * by the loss and by prediction). Glorot-uniform initial weights, as the study's Keras model had.
 */
export function expressionClassifier({ architecture, width, dropout, imageSide }: ClassifierShape): Network {
  if (!(width > 0)) throw new RangeError(`width must be > 0, got ${width}`);
  if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`dropout must be in [0, 1), got ${dropout}`);
  const scaled = (units: number) => Math.max(1, Math.round(units * width));
  const layers: Layer[] = [];
  let side = imageSide;
  let channels = 1;
  CONV_FILTERS.forEach((filters, i) => {
    channels = scaled(filters);
    side = Math.floor(side / 2);
    layers.push(...block(architecture, i, channels));
  });
  const dropped: Layer[] = dropout > 0 ? [{ kind: 'dropout', rate: dropout }] : [];
  const hidden = scaled(DENSE_UNITS);
  layers.push(
    ...dropped,
    { kind: 'linear', name: 'dense', inputs: side * side * channels, units: hidden },
    { kind: 'relu' },
    ...dropped,
    { kind: 'linear', name: LOGITS_LAYER, inputs: hidden, units: NUM_EXPRESSIONS },
  );
  const name = architecture === 'study' ? `expression_cnn_w${width}` : `expression_${architecture}_w${width}`;
  return { name: dropout > 0 ? `${name}_dropout${dropout}` : name, inputChannels: 1, layers, init: 'glorotUniform' };
}
