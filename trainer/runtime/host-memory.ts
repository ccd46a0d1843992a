import * as tf from './tf.js';

/**
 * Whether tensors of the active backend live in this thread's memory (wasm heap or JS arrays).
 * There, memory-bound ops written as one pass over typed arrays beat chains of small tfjs kernels;
 * on tfjs-node (possibly a GPU) reading data back would cost more than it saves.
 */
export function tensorsInHostMemory(): boolean {
  const backend = tf.getBackend();
  return backend === 'wasm' || backend === 'cpu';
}
