/**
 * The one import of TensorFlow.js for trainer code. The union package's Node bundle registers
 * every gradient with tfjs-core (the core alone is an inference-only library whose ESM gradient
 * registration Node cannot load) and brings the cpu backend used as the numerical reference.
 */
export * from '@tensorflow/tfjs';
