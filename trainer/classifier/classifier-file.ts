import type { Network } from '../../core/networks/layers.js';
import { type BuiltNetwork, buildNetwork, loadWeights, readWeights } from '../networks/network.js';
import { packTensors, tensorsToWeights, unpackTensors, weightsToTensors } from '../networks/tensor-file.js';

const FORMAT = 'faceaug-classifier/1';

interface ClassifierMeta {
  format: typeof FORMAT;
  spec: Network;
}

/** A trained classifier as one tensor file: every weight and running statistic, and its network spec. */
export function packClassifier(net: BuiltNetwork): Buffer {
  return packTensors(weightsToTensors(readWeights(net)), { format: FORMAT, spec: net.spec } satisfies ClassifierMeta);
}

/**
 * The classifier a {@link packClassifier} file holds, built under `prefix` (tfjs variable names
 * are unique per thread). Dispose it with disposeNetwork.
 */
export function loadClassifier(bytes: Uint8Array, prefix: string): BuiltNetwork {
  const { meta, tensors } = unpackTensors<ClassifierMeta>(bytes);
  if (meta.format !== FORMAT) throw new Error(`not a faceaug classifier file (format '${String(meta.format)}')`);
  const net = buildNetwork(meta.spec, 0, prefix);
  loadWeights(net, tensorsToWeights(tensors));
  return net;
}
