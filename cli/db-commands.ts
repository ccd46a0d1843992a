import { type Command, Option } from 'commander';
import { settings } from '../core/config.js';
import { type Database, type DatabaseHandle, openDatabase } from '../db/client.js';
import { migrate, migrationStatus } from '../db/migrate.js';

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir?: string;
  json?: boolean;
}

/** The flags every database command takes; without them the environment decides (see core/config.ts). */
export function databaseOptions(command: Command): Command {
  return command
    .addOption(new Option('--database-url <url>', `Postgres connection string (env ${settings.databaseUrl.env})`))
    .addOption(new Option('--data-dir <dir>', `use the embedded PGlite in this directory (env ${settings.dataDir.env}, default ${settings.dataDir.default})`))
    .option('--json', 'print JSON instead of a table');
}

async function open(options: DatabaseOptions): Promise<DatabaseHandle> {
  return openDatabase({ url: options.databaseUrl, dataDir: options.dataDir });
}

/** Runs `body` on a migrated database, and says how to migrate instead of failing on a missing table. */
export async function withDatabase<T>(options: DatabaseOptions, body: (db: Database) => Promise<T>): Promise<T> {
  const handle = await open(options);
  try {
    const status = await migrationStatus(handle);
    if (status.pending > 0) {
      throw new Error(`the database at ${handle.location} lacks ${status.pending} of ${status.total} migrations; run \`faceaug db migrate\` first`);
    }
    return await body(handle.db);
  } finally {
    await handle.close();
  }
}

/** Prints `value` as JSON with --json, otherwise whatever `text` renders. */
export function output<T>(options: DatabaseOptions, value: T, text: (value: T) => string): void {
  console.log(options.json ? JSON.stringify(value) : text(value));
}

/** A plain left-aligned text table; `empty` is printed instead when there are no rows. */
export function table(headers: string[], rows: Array<Array<string | number>>, empty: string): string {
  if (rows.length === 0) return empty;
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('the registry database (embedded PGlite, or Postgres when DATABASE_URL is set)');
  databaseOptions(db.command('migrate').description('apply pending schema migrations; running it again changes nothing')).action(
    async (options: DatabaseOptions) => {
      const handle = await open(options);
      try {
        const result = await migrate(handle);
        output(options, { kind: handle.kind, location: handle.location, ...result }, (r) =>
          r.applied === 0
            ? `${r.kind} ${r.location}: up to date (${r.total} migrations)`
            : `${r.kind} ${r.location}: applied ${r.applied} of ${r.total} migrations`,
        );
      } finally {
        await handle.close();
      }
    },
  );
}
