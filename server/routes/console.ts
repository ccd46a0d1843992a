import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'hono';
import { etag } from 'hono/etag';
import { secureHeaders } from 'hono/secure-headers';
import type { App, AppEnv } from '../context.js';

const CONSOLE_DIR = fileURLToPath(new URL('../console/', import.meta.url));

const MEDIA_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The web console: static pages at `/` and `/console/*` that drive the public HTTP API from the
 * browser. The files are few and small, so they are read once at start; `no-cache` with an ETag
 * makes a browser revalidate, so an upgraded server is never shown with stale scripts.
 */
export function registerConsole(app: App): void {
  const files = new Map(
    readdirSync(CONSOLE_DIR)
      .filter((name) => MEDIA_TYPES[extname(name)])
      .map((name) => [name, readFileSync(join(CONSOLE_DIR, name))]),
  );
  // Everything comes from this server; images drawn from API answers are blob: URLs.
  const headers = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      imgSrc: ["'self'", 'blob:'],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
      formAction: ["'none'"],
    },
  });
  const send = (c: Context<AppEnv>, name: string) => {
    const bytes = files.get(name);
    if (!bytes) return c.notFound();
    return c.body(new Uint8Array(bytes), 200, { 'Content-Type': MEDIA_TYPES[extname(name)]!, 'Cache-Control': 'no-cache' });
  };
  app.use('/', headers, etag());
  app.use('/console/*', headers, etag());
  app.get('/', (c) => send(c, 'index.html'));
  app.get('/console/:file', (c) => send(c, c.req.param('file')));
}
