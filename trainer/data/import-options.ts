import type { DatasetManifest } from './dataset-store.js';

/** Reports how far a long step got; `total` is in the same unit as `done` (bytes, files, images). */
export type Progress = (done: number, total: number) => void;

export interface ImportOptions {
  dataDir: string;
  /** Skip and count malformed rows instead of failing on the first one. */
  skipInvalid?: boolean;
  onProgress?: Progress;
  /** Image folders only: take each photo's largest face aligned to FER2013's framing instead of its centred square. */
  align?: boolean;
}

export interface ImportResult {
  manifest: DatasetManifest;
  /** True when this source had been imported before and the stored data set was reused. */
  existed: boolean;
}
