/** The model registry: versions of each translator, and the champion alias that the server serves. */
export {
  type ArtifactInfo,
  type ModelFilter,
  type ModelRef,
  type ModelVersion,
  type RegisterModelInput,
  type VerifiedArtifact,
  archiveModelVersion as archive,
  formatRef,
  getModelVersion,
  listModelVersions,
  registerModelVersion,
  setModelStatus,
} from './model-versions.js';
export {
  type AliasEvent,
  type Champion,
  type PromoteInput,
  type RollbackInput,
  type RollbackPreview,
  getChampion,
  getChampions,
  history,
  previewRollback,
  promote,
  rollback,
} from './champion.js';
export type { ArtifactInput } from './artifacts.js';
