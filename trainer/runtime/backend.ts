import * as tf from './tf.js';
import { readSetting } from '../../core/config.js';
import { registerWasmTrainingKernels } from './kernels/index.js';
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
    registerWasmTrainingKernels();
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

async function select(requested: BackendChoice | undefined): Promise<ActiveBackend> {
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
      return { choice, tfjsName, skipped };
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
export function initBackend(requested?: string): Promise<ActiveBackend> {
  const raw = requested ?? readSetting('backend');
  active ??= select(raw === undefined ? undefined : parseBackendChoice(raw));
  return active;
}

export function describeBackend(backend: ActiveBackend): string {
  const detail =
    backend.tfjsName === 'wasm'
      ? ` (SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}, faceaug training kernels)`
      : '';
  return `backend: ${backend.choice}${detail}`;
}
