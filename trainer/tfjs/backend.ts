import { availableParallelism } from 'node:os';
import * as tf from './tf.js';
import { readSetting } from '../../core/config.js';
import { CONV_ENGINES, registerWasmTrainingKernels, type ConvEngine, type RegisteredKernels } from './kernels/index.js';
import { registerMirrorPadGradient } from './mirror-pad-gradient.js';
import { registerComparisonGradients } from './comparison-gradients.js';

export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

export interface ActiveBackend {
  /** What was asked for (or chosen automatically). */
  choice: BackendChoice;
  /** tfjs's own name of the backend now running. */
  tfjsName: string;
  /** Why faster choices were passed over, for the start-up message. */
  skipped: string[];
  /** wasm only: who runs its convolutions. */
  kernels?: RegisteredKernels;
  /** Threads this thread's kernels may use: every core on the main thread, a worker's share in a worker. */
  threads: number;
}

export interface BackendOptions {
  /** Threads one kernel call may use (default: every core; a worker gets its share). */
  threads?: number;
}

/** Each loader registers its backend with tfjs; the native ones are optional dependencies. */
const loaders: Record<BackendChoice, () => Promise<string>> = {
  'tensorflow-gpu': async () => {
    await import('@tensorflow/tfjs-node-gpu' as string);
    return 'tensorflow';
  },
  tensorflow: async () => {
    await import('@tensorflow/tfjs-node' as string);
    return 'tensorflow';
  },
  wasm: async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    return 'wasm';
  },
  cpu: async () => {
    // Registered by the union package that ./tf.js loads.
    return 'cpu';
  },
};

let active: Promise<ActiveBackend> | undefined;

export function parseBackendChoice(raw: string): BackendChoice {
  if ((BACKENDS as readonly string[]).includes(raw)) return raw as BackendChoice;
  throw new RangeError(`unknown backend '${raw}' (expected one of ${BACKENDS.join(', ')})`);
}

export function parseConvEngine(raw: string): ConvEngine {
  if ((CONV_ENGINES as readonly string[]).includes(raw)) return raw as ConvEngine;
  throw new RangeError(`unknown wasm convolution engine '${raw}' (expected one of ${CONV_ENGINES.join(', ')})`);
}

async function select(requested: BackendChoice | undefined, threads: number): Promise<ActiveBackend> {
  const convEngine = parseConvEngine(readSetting('wasmConv'));
  registerMirrorPadGradient();
  registerComparisonGradients();
  // An explicit choice is honoured or fails loudly; automatic choice falls through to wasm, never
  // to the pure-JS cpu backend, which is hundreds of times too slow to train on.
  const candidates: BackendChoice[] = requested ? [requested] : ['tensorflow-gpu', 'tensorflow', 'wasm'];
  const skipped: string[] = [];
  for (const choice of candidates) {
    try {
      const tfjsName = await loaders[choice]();
      if (!(await tf.setBackend(tfjsName))) throw new Error(`tfjs could not initialise backend '${tfjsName}'`);
      await tf.ready();
      const kernels = tfjsName === 'wasm' ? registerWasmTrainingKernels(convEngine, threads) : undefined;
      return { choice, tfjsName, skipped, kernels, threads };
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      if (requested) throw new Error(`backend '${choice}' is not available: ${reason}`);
      skipped.push(`${choice}: ${reason}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be loaded (${skipped.join('; ')})`);
}

/**
 * Chooses and initialises the TensorFlow.js backend once per thread: `requested`, else
 * FACEAUG_BACKEND, else the fastest that loads (tfjs-node-gpu, tfjs-node, wasm).
 */
export function initBackend(requested?: string, options: BackendOptions = {}): Promise<ActiveBackend> {
  const raw = requested ?? readSetting('backend');
  active ??= select(raw === undefined ? undefined : parseBackendChoice(raw), options.threads ?? availableParallelism());
  return active;
}

export function describeBackend(backend: ActiveBackend): string {
  const detail =
    backend.tfjsName === 'wasm'
      ? ` (SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}, convolutions on ${backend.kernels?.engine ?? 'xnnpack'})`
      : '';
  return `backend: ${backend.choice}${detail}`;
}
