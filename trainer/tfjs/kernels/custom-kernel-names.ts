/**
 * Kernels faceaug defines itself, for fused operations tfjs has no kernel for. Backends that
 * register them run one kernel per use; the others take the op-by-op path of the same formula.
 */
export const INSTANCE_NORM = 'FaceaugInstanceNorm';
export const INSTANCE_NORM_GRAD = 'FaceaugInstanceNormGrad';
/** The adjoint of MirrorPad on H and W of an NHWC tensor (tfjs's own gradient drops the border). */
export const MIRROR_PAD_GRAD = 'FaceaugMirrorPadGrad';
/** Batch norm over N, H and W with its affine terms, and its gradient (dx, dgamma, dbeta in one pass). */
export const BATCH_NORM = 'FaceaugBatchNorm';
export const BATCH_NORM_GRAD = 'FaceaugBatchNormGrad';
