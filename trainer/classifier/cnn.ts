import { FACE_SIZE } from '../../core/image-codec.js';
import * as tf from '../tfjs/tf.js';
import { NUM_EXPRESSIONS } from '../../core/expressions.js';

export interface ClassifierShape {
  /** Multiplies every layer's width: 1 is the reference 32/64/128 conv + 256 dense network. */
  width: number;
}

const CONV_FILTERS = [32, 64, 128];
const DENSE_UNITS = 256;

/**
 * The reference expression classifier: three blocks of conv3x3 + ReLU + maxpool + batchnorm, a
 * 256-unit dense layer and 7 outputs. The last layer emits logits; softmax is applied by the loss
 * and by prediction, which is the same function computed without log(0).
 */
export function buildClassifier({ width }: ClassifierShape, seed: number): tf.Sequential {
  if (!(width > 0)) throw new RangeError(`width must be > 0, got ${width}`);
  const scaled = (units: number) => Math.max(1, Math.round(units * width));
  let layerSeed = seed;
  const init = () => tf.initializers.glorotUniform({ seed: layerSeed++ });
  const model = tf.sequential();
  CONV_FILTERS.forEach((filters, i) => {
    model.add(
      tf.layers.conv2d({
        ...(i === 0 ? { inputShape: [FACE_SIZE, FACE_SIZE, 1] } : {}),
        filters: scaled(filters),
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(),
      }),
    );
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    // Momentum 0.9, not Keras' 0.99: the small runs this has to support (a few hundred batches)
    // otherwise predict with moving statistics still near their initial 0/1.
    model.add(tf.layers.batchNormalization({ momentum: 0.9 }));
  });
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: scaled(DENSE_UNITS), activation: 'relu', kernelInitializer: init() }));
  model.add(tf.layers.dense({ units: NUM_EXPRESSIONS, kernelInitializer: init() }));
  return model;
}
