import { createHash } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { type ApiKey, type ApiKeyScope, verifyApiKey } from '../../db/api-keys.js';
import type { Database } from '../../db/client.js';
import type { AppEnv } from '../context.js';
import { Problem } from '../problems.js';

/** How long a verified key is trusted without asking the database again; also how late a revocation may bite. */
const KEY_CACHE_MS = 10_000;

/**
 * Checks bearer keys against the registry, remembering good ones briefly: translation traffic
 * would otherwise add a database round trip to every request.
 */
export class KeyVerifier {
  private readonly cache = new Map<string, { key: ApiKey; until: number }>();

  constructor(private readonly db: Database) {}

  async verify(plaintext: string): Promise<ApiKey | undefined> {
    const id = createHash('sha256').update(plaintext).digest('hex');
    const hit = this.cache.get(id);
    if (hit && hit.until > Date.now()) return hit.key;
    this.cache.delete(id);
    const key = await verifyApiKey(this.db, plaintext);
    if (key) this.cache.set(id, { key, until: Date.now() + KEY_CACHE_MS });
    return key;
  }
}

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="faceaug"' };

/**
 * Requires `Authorization: Bearer <key>` with `scope`. With `allowAnonymous` a request without the
 * header passes (public translation), but a key that is sent must still be valid.
 */
export const requireScope = (verifier: KeyVerifier, scope: ApiKeyScope, options: { allowAnonymous?: boolean } = {}) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization');
    if (header === undefined) {
      if (options.allowAnonymous) return next();
      throw new Problem('unauthenticated', `this operation needs an API key with the '${scope}' scope: send Authorization: Bearer <key>`, { headers: CHALLENGE });
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new Problem('unauthenticated', 'the Authorization header must be Bearer <key>', { headers: CHALLENGE });
    const key = await verifier.verify(match[1]!);
    if (!key) throw new Problem('unauthenticated', 'the API key is unknown or revoked', { headers: CHALLENGE });
    if (!key.scopes.includes(scope)) {
      throw new Problem('forbidden', `API key '${key.name}' (${key.prefix}...) has scope(s) ${key.scopes.join(', ')}; this operation needs '${scope}'`);
    }
    c.set('apiKey', key);
    await next();
  });
