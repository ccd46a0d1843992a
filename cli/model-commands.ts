import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { MODEL_STATUSES, type ModelStatus } from '../db/schema/index.js';
import { type AliasEvent, type ModelVersion, archive, getModelVersion, history, listModelVersions, promote, rollback } from '../db/registry.js';
import { formatTranslator, parseTranslator } from '../db/translators.js';
import { type DatabaseOptions, databaseOptions, output, table, withDatabase } from './db-commands.js';

const TRANSLATOR_HELP = 'source->target or source:target, e.g. neutral:happy';

function parseVersion(raw: string): number {
  const match = /^v?(\d+)$/.exec(raw.trim());
  const version = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(version) || version < 1) throw new Error(`bad version '${raw}' (expected a positive number such as 3 or v3)`);
  return version;
}

// Commander turns a parser's null into '', so "no champion" travels as 'none' until the action.
function parseExpected(raw: string): number | 'none' {
  return raw.trim().toLowerCase() === 'none' ? 'none' : parseVersion(raw);
}

function parseStatus(raw: string): ModelStatus {
  if (!(MODEL_STATUSES as readonly string[]).includes(raw)) throw new Error(`bad status '${raw}' (expected ${MODEL_STATUSES.join(', ')})`);
  return raw as ModelStatus;
}

function defaultActor(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

const date = (value: Date) => value.toISOString().replace('T', ' ').slice(0, 19);
const bytes = (n: number) => (n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1 << 20)).toFixed(1)} MiB`);

function versionTable(versions: ModelVersion[]): string {
  return table(
    ['translator', 'version', 'status', 'aliases', 'run', 'onnx', 'created'],
    versions.map((v) => [
      formatTranslator(v),
      v.version,
      v.status,
      v.aliases.join(',') || '-',
      v.runId ?? '-',
      bytes(v.artifacts.find((a) => a.kind === 'onnx')?.sizeBytes ?? 0),
      date(v.createdAt),
    ]),
    'no model versions',
  );
}

function eventTable(events: AliasEvent[]): string {
  return table(
    ['time', 'action', 'from', 'to', 'actor', 'forced', 'reason'],
    events.map((e) => [date(e.createdAt), e.action, e.fromVersion ?? '-', e.toVersion, e.actor, e.forced ? 'yes' : '', e.reason ?? '']),
    'no alias moves yet',
  );
}

function describeEvent(e: AliasEvent): string {
  const from = e.fromVersion === null ? 'none' : `v${e.fromVersion}`;
  return `${formatTranslator(e)} champion: ${from} -> v${e.toVersion} (${e.action} by ${e.actor}${e.forced ? ', forced' : ''}${e.reason ? `: ${e.reason}` : ''})`;
}

interface MoveOptions extends DatabaseOptions {
  actor: string;
  reason?: string;
  force?: string;
}

export function registerModelCommands(program: Command): void {
  const models = program.command('models').description('the model registry: versions of each translator and its champion');

  databaseOptions(models.command('list').description('list model versions, oldest first per translator'))
    .option('--translator <translator>', TRANSLATOR_HELP, parseTranslator)
    .option('--status <status>', MODEL_STATUSES.join(' | '), parseStatus)
    .action(async (options: DatabaseOptions & { translator?: ReturnType<typeof parseTranslator>; status?: ModelStatus }) => {
      const versions = await withDatabase(options, (db) => listModelVersions(db, { ...options.translator, status: options.status }));
      output(options, versions, versionTable);
    });

  databaseOptions(models.command('show').description('show one version; its artifacts are read and checked against their sha256'))
    .argument('<translator>', TRANSLATOR_HELP, parseTranslator)
    .argument('<version>', 'version number', parseVersion)
    .action(async (translator, version: number, options: DatabaseOptions) => {
      const model = await withDatabase(options, (db) => getModelVersion(db, { ...translator, version }));
      const { verified, ...rest } = model;
      const shown = { ...rest, artifacts: verified.map(({ bytes: _, ...info }) => ({ ...info, verified: true })) };
      output(options, shown, (m) =>
        [
          `${formatTranslator(m)} v${m.version}  ${m.status}${m.aliases.length ? `  (${m.aliases.join(', ')})` : ''}`,
          `run: ${m.runId ?? '-'}   created: ${date(m.createdAt)}   status since: ${date(m.statusChangedAt)}`,
          table(['artifact', 'size', 'sha256 (verified)', 'location'], m.artifacts.map((a) => [a.kind, bytes(a.sizeBytes), a.sha256, a.uri ?? 'database']), ''),
          `metrics: ${JSON.stringify(m.metrics)}`,
          ...(m.report ? ['', m.report] : []),
        ].join('\n'),
      );
    });

  databaseOptions(
    models
      .command('promote')
      .description('make a version the champion, if the champion is still the one you expect')
      .argument('<translator>', TRANSLATOR_HELP, parseTranslator)
      .argument('<version>', 'version to promote', parseVersion)
      .requiredOption('--expect <version>', "the current champion you mean to replace, or 'none'; a stale value fails and changes nothing", parseExpected),
  )
    .option('--actor <name>', 'who is promoting, for the audit log', defaultActor())
    .option('--reason <text>', 'why, for the audit log')
    .option('--force <reason>', 'promote a version that is not accepted; the reason is recorded')
    .action(async (translator, version: number, options: MoveOptions & { expect: number | 'none' }) => {
      const event = await withDatabase(options, (db) =>
        promote(db, {
          ...translator,
          version,
          expectedVersion: options.expect === 'none' ? null : options.expect,
          actor: options.actor,
          reason: options.reason,
          force: options.force === undefined ? undefined : { reason: options.force },
        }),
      );
      output(options, event, describeEvent);
    });

  databaseOptions(
    models
      .command('rollback')
      .description('move the champion back to the version it replaced (repeat to go further back)')
      .argument('<translator>', TRANSLATOR_HELP, parseTranslator),
  )
    .option('--actor <name>', 'who is rolling back, for the audit log', defaultActor())
    .option('--reason <text>', 'why, for the audit log')
    .option('--force <reason>', 'roll back to a version that is no longer accepted; the reason is recorded')
    .action(async (translator, options: MoveOptions) => {
      const event = await withDatabase(options, (db) =>
        rollback(db, { ...translator, actor: options.actor, reason: options.reason, force: options.force === undefined ? undefined : { reason: options.force } }),
      );
      output(options, event, describeEvent);
    });

  databaseOptions(
    models
      .command('archive')
      .description('retire a version (the champion must be moved first)')
      .argument('<translator>', TRANSLATOR_HELP, parseTranslator)
      .argument('<version>', 'version to archive', parseVersion),
  ).action(async (translator, version: number, options: DatabaseOptions) => {
    const model = await withDatabase(options, (db) => archive(db, { ...translator, version }));
    output(options, model, (m) => `${formatTranslator(m)} v${m.version} archived`);
  });

  databaseOptions(
    models.command('history').description("the champion's audit log, oldest first").argument('<translator>', TRANSLATOR_HELP, parseTranslator),
  ).action(async (translator, options: DatabaseOptions) => {
    const events = await withDatabase(options, (db) => history(db, translator));
    output(options, events, eventTable);
  });
}
