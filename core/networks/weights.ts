/**
 * Framework-free weights of a {@link Network}: what checkpoints store and what the ONNX exporter
 * reads. Keys follow the trainer's naming, `<layer name>/<kind>`: `filter` and `bias` for
 * convolutions, `gamma`/`beta`/`mean`/`variance` for batch norm, `gamma`/`beta` for affine
 * instance norm. Filters are in TensorFlow layout: conv [KH, KW, CI, CO], transposed conv
 * [KH, KW, CO, CI]. Images are NHWC in [-1, 1].
 */
export interface WeightTensor {
  shape: number[];
  values: Float32Array;
}

export type NamedWeights = Map<string, WeightTensor>;
