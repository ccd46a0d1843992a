import type { Network } from '../../core/networks/layers.js';
import type { NamedWeights } from '../../core/networks/weights.js';
import { type BuiltNetwork, buildNetwork, loadWeights, readWeights } from '../networks/network.js';
import { packTensors, unpackTensors } from '../networks/tensor-file.js';

const FORMAT = 'faceaug-classifier/1';

interface ClassifierMeta {
  format: typeof FORMAT;
  spec: Network;
}

/** A trained classifier as one tensor file: every weight and running statistic, and its network spec. */
export function packClassifier(net: BuiltNetwork): Buffer {
  return packTensors([...readWeights(net)].map(([name, { shape, values }]) => ({ name, shape, values })), { format: FORMAT, spec: net.spec } satisfies ClassifierMeta);
}

/**
 * The classifier a {@link packClassifier} file holds, built under `prefix` (tfjs variable names
 * are unique per thread). Dispose it with disposeNetwork.
 */
export function loadClassifier(bytes: Uint8Array, prefix: string): BuiltNetwork {
  const { meta, tensors } = unpackTensors<ClassifierMeta>(bytes);
  if (meta.format !== FORMAT) throw new Error(`not a faceaug classifier file (format '${String(meta.format)}')`);
  const net = buildNetwork(meta.spec, 0, prefix);
  const weights: NamedWeights = new Map(tensors.map(({ name, shape, values }) => [name, { shape, values }]));
  loadWeights(net, weights);
  return net;
}
