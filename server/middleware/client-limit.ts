import { getConnInfo } from '@hono/node-server/conninfo';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.js';
import type { ServerMetrics } from '../metrics.js';
import { Problem } from '../problems.js';

/**
 * Caps the requests one client (API key, or address for anonymous callers) has in flight, so one
 * greedy client gets 429 instead of filling the shared queue that everyone else needs.
 */
export const clientLimit = (max: number, metrics: ServerMetrics) => {
  const inFlight = new Map<string, number>();
  return createMiddleware<AppEnv>(async (c, next) => {
    const key = c.get('apiKey');
    const client = key ? `key:${key.id}` : `addr:${getConnInfo(c).remote.address ?? 'unknown'}`;
    const current = inFlight.get(client) ?? 0;
    if (current >= max) {
      metrics.shed.inc({ reason: 'client_limit' });
      throw new Problem('too-many-requests', `this client already has ${current} requests in flight (limit ${max}); wait for some to finish`, {
        headers: { 'Retry-After': '1' },
      });
    }
    inFlight.set(client, current + 1);
    try {
      await next();
    } finally {
      const left = inFlight.get(client)! - 1;
      if (left === 0) inFlight.delete(client);
      else inFlight.set(client, left);
    }
  });
};
