/**
 * The registry's failures, as types the HTTP layer maps to status codes (404, 409, 500, 400) and
 * the CLI prints as they are. Each message says what was asked and why it cannot be done.
 */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** The state changed under the caller (a stale expected version) or the request clashes with it. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** Stored bytes no longer match their recorded sha256: refuse rather than serve a corrupt model. */
export class IntegrityError extends Error {
  override name = 'IntegrityError';
}

/** The input itself is wrong, whatever the database holds. */
export class ValidationError extends Error {
  override name = 'ValidationError';
}
