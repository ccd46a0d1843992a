import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import type { AppEnv } from '../context.js';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics.js';

/**
 * One structured log line and one latency observation per request. The route label is the
 * registered pattern (`/v1/jobs/:id`), never the raw path, so metrics stay a bounded set of series.
 */
export const accessLog = (log: Logger, metrics: ServerMetrics) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const start = performance.now();
    await next();
    const seconds = (performance.now() - start) / 1000;
    const pattern = routePath(c, -1);
    const route = !pattern || pattern.endsWith('*') ? 'unmatched' : pattern;
    const status = c.res.status;
    metrics.requestDuration.observe({ route, method: c.req.method, status: String(status) }, seconds);
    // Shedding load (503), timeouts (504) and clients that left (499) are expected under stress, not faults.
    const level = status === 499 || status === 503 || status === 504 ? 'warn' : status >= 500 ? 'error' : 'info';
    log.log(level, 'request', {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      route,
      status,
      ms: Math.round(seconds * 10_000) / 10,
      key: c.get('apiKey')?.prefix,
    });
  });
