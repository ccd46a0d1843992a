import { randomUUID } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.js';

// A caller's id is kept when it looks like one, so a request can be traced through a proxy chain.
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Gives every request an id, echoed in `X-Request-Id`, in every log line and in problem bodies. */
export const requestId = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const given = c.req.header('x-request-id');
    const id = given && ACCEPTABLE.test(given) ? given : randomUUID();
    c.set('requestId', id);
    c.header('X-Request-Id', id);
    await next();
  });
