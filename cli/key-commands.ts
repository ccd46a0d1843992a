import type { Command } from 'commander';
import { type ApiKey, createApiKey, listApiKeys, revokeApiKey } from '../db/api-keys.js';
import { API_KEY_SCOPES, type ApiKeyScope } from '../db/schema/index.js';
import { type DatabaseOptions, databaseOptions, output, table, withDatabase } from './db-commands.js';

function collectScope(raw: string, previous: ApiKeyScope[] | undefined): ApiKeyScope[] {
  const scopes = raw.split(',').map((s) => s.trim());
  const unknown = scopes.filter((s) => !(API_KEY_SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`bad scope '${unknown.join(', ')}' (expected ${API_KEY_SCOPES.join(', ')})`);
  return [...(previous ?? []), ...(scopes as ApiKeyScope[])];
}

function parseId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id < 1) throw new Error(`bad key id '${raw}' (expected the number shown by \`faceaug keys list\`)`);
  return id;
}

const date = (value: Date | null) => (value ? value.toISOString().replace('T', ' ').slice(0, 19) : '-');

function keyTable(keys: ApiKey[]): string {
  return table(
    ['id', 'name', 'prefix', 'scopes', 'created', 'revoked'],
    keys.map((k) => [k.id, k.name, k.prefix, k.scopes.join(','), date(k.createdAt), date(k.revokedAt)]),
    'no API keys',
  );
}

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('API keys for the HTTP server (only their hashes are stored)');

  databaseOptions(keys.command('create').description('create a key and print it once; it cannot be shown again'))
    .requiredOption('--name <name>', 'what the key is for, unique among live keys')
    .option('--scope <scope>', `${API_KEY_SCOPES.join(' | ')}; repeat or comma-separate for several (default translate)`, collectScope)
    .action(async (options: DatabaseOptions & { name: string; scope?: ApiKeyScope[] }) => {
      const { key, plaintext } = await withDatabase(options, (db) => createApiKey(db, { name: options.name, scopes: options.scope ?? ['translate'] }));
      output(options, { ...key, key: plaintext }, (k) =>
        [`${k.key}`, `key ${k.id} '${k.name}' (${k.scopes.join(', ')}). Store it now: only its hash is kept, it cannot be shown again.`].join('\n'),
      );
    });

  databaseOptions(keys.command('revoke').description('revoke a key; requests with it fail from now on').argument('<id>', 'key id', parseId)).action(
    async (id: number, options: DatabaseOptions) => {
      const key = await withDatabase(options, (db) => revokeApiKey(db, id));
      output(options, key, (k) => `key ${k.id} '${k.name}' (${k.prefix}...) revoked`);
    },
  );

  databaseOptions(keys.command('list').description('list live keys (never the keys themselves)'))
    .option('--all', 'include revoked keys')
    .action(async (options: DatabaseOptions & { all?: boolean }) => {
      const list = await withDatabase(options, (db) => listApiKeys(db, { includeRevoked: options.all }));
      output(options, list, keyTable);
    });
}
