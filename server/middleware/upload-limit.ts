import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.js';
import type { ServerMetrics } from '../metrics.js';
import { Problem } from '../problems.js';

/** Seconds a refused upload is asked to wait: receiving and storing a large one takes that long. */
const UPLOAD_RETRY_AFTER_S = 5;

/**
 * Caps the bulk-job uploads this server receives and stores at once. Each holds a temporary
 * file, a database connection per stored batch and CPU for hashing and inflating; past the cap an
 * upload is refused at once with 503 and Retry-After (another instance may have room), before
 * its body is read, rather than slowing every upload and request down.
 */
export const uploadLimit = (max: number, metrics: ServerMetrics) => {
  let active = 0;
  metrics.gauge('faceaug_job_uploads_active', 'bulk-job uploads being received and stored', () => active);
  return createMiddleware<AppEnv>(async (_c, next) => {
    if (active >= max) {
      throw new Problem('overloaded', `${active} job uploads are being received (limit ${max}); retry after ${UPLOAD_RETRY_AFTER_S} s`, {
        headers: { 'Retry-After': String(UPLOAD_RETRY_AFTER_S) },
      });
    }
    active++;
    try {
      await next();
    } finally {
      active--;
    }
  });
};
