import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppDeps, AppEnv } from './context.js';
import { accessLog } from './middleware/access-log.js';
import { KeyVerifier } from './middleware/auth.js';
import { requestId } from './middleware/request-id.js';
import { Problem, problemBody, toProblem } from './problems.js';
import { registerConsole } from './routes/console.js';
import { registerDocs } from './routes/docs.js';
import { registerHealth } from './routes/health.js';
import { registerJobs } from './routes/jobs.js';
import { registerModels } from './routes/models.js';
import { registerTranslate } from './routes/translate.js';
import { registerTranslators } from './routes/translators.js';

/**
 * The HTTP application: request ids and access logs around every route, and one error handler
 * that renders whatever a route throws as problem+json. Routes never build error responses.
 */
export function createApp(deps: AppDeps, isShuttingDown: () => boolean): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // Validation failures become 400 problems listing each bad field.
    defaultHook: (result) => {
      if (result.success) return;
      const errors = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
      throw new Problem('bad-request', errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; '), { errors });
    },
  });

  // While shutting down, every answer closes its connection: keep-alive clients reconnect
  // elsewhere, and the process exits once the requests already in flight have their answers.
  app.use('*', async (c, next) => {
    await next();
    if (isShuttingDown()) c.header('Connection', 'close');
  });
  app.use('*', requestId());
  app.use('*', accessLog(deps.log, deps.metrics));

  const keys = new KeyVerifier(deps.handle.db, deps.settings, (key, error) =>
    deps.log.warn('database unavailable: accepted a recently verified API key', { key: key.prefix, error: error instanceof Error ? error.message : String(error) }),
  );
  registerTranslate(app, deps, keys);
  registerTranslators(app, deps, keys);
  registerJobs(app, deps, keys);
  registerModels(app, deps, keys);
  registerHealth(app, deps, isShuttingDown);
  registerDocs(app);
  registerConsole(app);

  const render = (c: Context<AppEnv>, problem: Problem) =>
    c.body(JSON.stringify(problemBody(problem, c.get('requestId'), c.req.path)), problem.status as ContentfulStatusCode, {
      'Content-Type': 'application/problem+json',
      ...problem.extra.headers,
    });
  app.notFound((c) => render(c, new Problem('not-found', `no endpoint ${c.req.method} ${c.req.path}; see /docs`)));
  app.onError((error, c) => {
    const problem = c.req.raw.signal.aborted ? new Problem('client-closed-request', 'the client went away while its request was read or served') : toProblem(error);
    if (problem.type === 'overloaded' || problem.type === 'timeout') deps.metrics.shed.inc({ reason: problem.type });
    else if (problem.type === 'database-unavailable') deps.log.warn('database unavailable', { requestId: c.get('requestId'), path: c.req.path, error });
    else if (problem.status >= 500) deps.log.error('request failed', { requestId: c.get('requestId'), path: c.req.path, error });
    return render(c, problem);
  });
  return app;
}
