import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { migrationStatus } from '../../db/migrate.js';
import type { App, AppDeps } from '../context.js';
import { withDatabaseDeadline } from '../deadline.js';

const Readiness = z
  .object({
    status: z.enum(['ready', 'not ready']),
    checks: z.object({ database: z.boolean(), migrations: z.boolean(), champions: z.boolean() }),
    detail: z.string().optional(),
  })
  .openapi('Readiness');

/** How long readiness waits for the database: the probe answers within a second either way. */
const READY_DATABASE_WAIT_MS = 800;

export function registerHealth(app: App, deps: AppDeps, isShuttingDown: () => boolean): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/health/live',
      tags: ['health'],
      summary: 'The process is up',
      responses: { 200: { description: 'alive', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/health/ready',
      tags: ['health'],
      summary: 'The database answers, its migrations are applied and every champion is loaded',
      description: 'A load balancer should route to an instance only while this says 200; it turns 503 as soon as shutdown begins.',
      responses: {
        200: { description: 'ready', content: { 'application/json': { schema: Readiness } } },
        503: { description: 'not ready, with the failing checks', content: { 'application/json': { schema: Readiness } } },
      },
    }),
    async (c) => {
      const checks = { database: false, migrations: false, champions: deps.engine.ready };
      let detail: string | undefined;
      // A load balancer's probe needs an answer within its own timeout, whatever the database does.
      const probe = async () => {
        await deps.handle.db.execute(sql`select 1`);
        checks.database = true;
        checks.migrations = (await migrationStatus(deps.handle)).pending === 0;
      };
      try {
        await withDatabaseDeadline(probe(), READY_DATABASE_WAIT_MS);
        if (!checks.migrations) detail = 'database migrations are pending';
      } catch (error) {
        detail = `database unreachable: ${error instanceof Error ? error.message : String(error)}`;
      }
      const failed = [...deps.engine.failed].map(([translator, f]) => `${translator} v${f.version}: ${f.reason}`);
      if (!detail && !checks.champions) detail = `champion failed to load: ${failed.join('; ') || 'see the server log'}`;
      if (isShuttingDown()) detail = 'shutting down';
      const ready = checks.database && checks.migrations && checks.champions && !isShuttingDown();
      const body = { status: ready ? ('ready' as const) : ('not ready' as const), checks, ...(detail ? { detail } : {}) };
      return ready ? c.json(body, 200) : c.json(body, 503);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      tags: ['health'],
      summary: 'Prometheus metrics',
      description:
        'Request latency by route and status, batch sizes, queue depth, inference time, shed requests, job items, the database pool, the job backlog, and the process (CPU, memory, event-loop lag).',
      responses: { 200: { description: 'text exposition format 0.0.4', content: { 'text/plain': { schema: z.string() } } } },
    }),
    async (c) => {
      const register = deps.metrics.registry();
      return c.text(await register.metrics(), 200, { 'Content-Type': register.contentType });
    },
  );
}
