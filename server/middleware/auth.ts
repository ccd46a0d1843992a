import { createHash } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { type ApiKey, type ApiKeyScope, verifyApiKey } from '../../db/api-keys.js';
import type { Database } from '../../db/client.js';
import { isDatabaseUnavailable } from '../../db/errors.js';
import { withDatabaseDeadline } from '../deadline.js';
import type { AppEnv } from '../context.js';
import { Problem } from '../problems.js';

/** The longest a request waits for the database to re-check a key it already knows, before the stale answer serves. */
const RECHECK_WAIT_MS = 1_000;

export interface KeyCacheSettings {
  /** How long a verified key is trusted without asking the database again; also how late a revocation may bite. */
  keyCacheMs: number;
  /** While the database is unavailable, keys verified within this long are still accepted (stale-if-error). */
  keyStaleMs: number;
}

/**
 * Checks bearer keys against the registry, remembering good ones briefly: translation traffic
 * would otherwise add a database round trip to every request. When the database is down or hung,
 * a key verified recently keeps working (bounded by keyStaleMs) and any other gets the database's
 * error (503): an outage should not turn every paying client away while anonymous ones are served.
 */
export class KeyVerifier {
  private readonly cache = new Map<string, { key: ApiKey; verifiedAt: number }>();

  constructor(
    private readonly db: Database,
    private readonly settings: KeyCacheSettings,
    private readonly onStale: (key: ApiKey, error: unknown) => void = () => undefined,
  ) {}

  async verify(plaintext: string): Promise<ApiKey | undefined> {
    const id = createHash('sha256').update(plaintext).digest('hex');
    const hit = this.cache.get(id);
    const age = hit ? Date.now() - hit.verifiedAt : Infinity;
    if (hit && age < this.settings.keyCacheMs) return hit.key;
    const stale = hit && age < this.settings.keyStaleMs ? hit : undefined;
    let key: ApiKey | undefined;
    try {
      const check = verifyApiKey(this.db, plaintext);
      key = stale ? await withDatabaseDeadline(check, RECHECK_WAIT_MS) : await check;
    } catch (error) {
      if (!stale || !isDatabaseUnavailable(error)) throw error;
      this.onStale(stale.key, error);
      return stale.key;
    }
    if (key) this.cache.set(id, { key, verifiedAt: Date.now() });
    else this.cache.delete(id);
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
