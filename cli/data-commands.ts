import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { readSetting, settings } from '../core/config.js';
import { withRegistry } from '../db/open-registry.js';
import { BACKENDS, describeBackend, initBackend } from '../trainer/tfjs/backend.js';
import { formatClassTable } from '../trainer/data/class-table.js';
import { listManifests, loadDataset } from '../trainer/data/dataset-store.js';
import { findDuplicates } from '../trainer/filter/duplicates.js';
import { exportKaggleCsv } from '../trainer/data/export-csv.js';
import { EMBEDDINGS, parseEmbeddingName } from '../trainer/networks/face-embedding.js';
import { type FilterSpec, type KeepRule, PRUNE_BY, runFilter } from '../trainer/filter/filter-pipeline.js';
import { FILTER_DEFAULTS } from '../trainer/filter/confidence-scores.js';
import { formatNoiseMatrix } from '../trainer/filter/noise-table.js';
import { usageIndex, USAGES } from '../trainer/data/format.js';
import { importSource } from '../trainer/data/import-source.js';
import { DataRegistry } from '../trainer/data/registry.js';
import { findVersion, listVersions } from '../trainer/data/version-store.js';
import { integer, number, oneOf } from '../core/parsers.js';
import { stageProgress } from './progress.js';
import type { ClassifierSettings } from '../trainer/classifier/options.js';
import { addClassifierOptions, classifierFlags } from './classifier-options.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;


const registryOption = () => new Option('--no-registry', 'do not record in the registry database (DATABASE_URL, else PGlite in the data directory)');

const dataDirOption = () => new Option('--data-dir <dir>', `data directory (env ${settings.dataDir.env})`).default(readSetting('dataDir'));

interface FilterOptions extends Partial<ClassifierSettings> {
  folds: number;
  seed: number;
  dataDir: string;
  method: string[];
  dropDuplicates?: boolean;
  splits: string[];
  retention: number;
  embedding: string;
  shrinkage: number;
  ridge: number;
  pruneBy: (typeof PRUNE_BY)[number];
  minConfidence?: number;
  topN?: number;
  topPercent?: number;
  topPercentOverall?: number;
  backend?: string;
  registry: boolean;
  json?: boolean;
}

/** The keep rule the flags give, if any. */
function keepRule(options: FilterOptions): KeepRule | undefined {
  const given = [
    options.minConfidence !== undefined && ({ rule: 'min-score', value: options.minConfidence } as const),
    options.topN !== undefined && ({ rule: 'top-n', value: options.topN } as const),
    options.topPercent !== undefined && ({ rule: 'top-percent', value: options.topPercent } as const),
    options.topPercentOverall !== undefined && ({ rule: 'top-percent-overall', value: options.topPercentOverall } as const),
  ].filter((rule) => rule !== false);
  if (given.length > 1) throw new Error('give at most one of --min-confidence, --top-n, --top-percent, --top-percent-overall');
  return given[0];
}

function filterSpecs(options: FilterOptions): FilterSpec[] {
  const specs: FilterSpec[] = options.dropDuplicates ? [{ method: 'duplicates' }] : [];
  const rule = keepRule(options);
  const outOfFold = { folds: options.folds, seed: options.seed, ...classifierFlags(options, FILTER_DEFAULTS) };
  for (const method of options.method) {
    if (method === 'gaussian') {
      specs.push({ method, embedding: parseEmbeddingName(options.embedding), retention: options.retention, shrinkage: options.shrinkage, ridge: options.ridge });
    } else if (method === 'confidence') {
      // Per class by default: a cut over the whole set finds more injected flips but also takes ~29% of a rare class's correctly labelled faces (README "Noise benchmark").
      specs.push({ method, keep: rule ?? { rule: 'top-percent', value: 90 }, ...outOfFold });
    } else if (method === 'confident-learning') {
      specs.push(options.pruneBy === 'margin' ? { method, pruneBy: 'margin', keep: rule, ...outOfFold } : { method, pruneBy: 'noise-rate', ...outOfFold });
    } else {
      throw new Error(`unknown filter method '${method}' (expected gaussian, confidence, confident-learning)`);
    }
  }
  if (specs.length === 0) throw new Error('nothing to do: give --method and/or --drop-duplicates');
  // Pruning by noise rate decides its own count: a keep rule there would be silently ignored.
  if (rule && !specs.some((s) => s.method === 'confidence' || (s.method === 'confident-learning' && s.pruneBy === 'margin'))) {
    throw new Error('--min-confidence, --top-n, --top-percent and --top-percent-overall apply to --method confidence and to confident-learning with --prune-by margin');
  }
  return specs;
}

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('import FER2013-style data sets, report duplicates, filter and export them');

  data
    .command('import')
    .description('import a Kaggle fer2013.csv (plain or .gz) or a train|test/<class>/*.png|jpg folder (--align: photos, faces found and aligned)')
    .argument('<path>', 'CSV file or image folder')
    .option('--skip-invalid', 'skip and count malformed rows instead of failing on the first')
    .option('--align', "image folders: detect each photo's largest face and align it to FER2013's framing (as the server does) instead of taking the centred square; photos without a face are left out and listed")
    .addOption(dataDirOption())
    .addOption(registryOption())
    .option('--json', 'print the manifest as JSON')
    .action(async (path: string, options: { skipInvalid?: boolean; align?: boolean; dataDir: string; registry: boolean; json?: boolean }) => {
      const started = performance.now();
      const { manifest, existed } = await importSource(path, {
        dataDir: options.dataDir,
        skipInvalid: options.skipInvalid,
        align: options.align,
        onProgress: stageProgress('import', !!options.json),
      });
      const registryId = options.registry ? await withRegistry(options.dataDir, (handle) => new DataRegistry(handle.db).datasetId(manifest)) : undefined;
      if (options.json) return console.log(JSON.stringify({ ...manifest, existed, registryId }));
      const registered = registryId === undefined ? '' : `, registry #${registryId}`;
      console.log(`${existed ? 'already imported' : 'imported'} ${manifest.source} as data set ${manifest.id} (${manifest.count} rows${registered}, ${seconds(performance.now() - started)})`);
      console.log(`classes: ${Object.entries(manifest.perClass).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      console.log(`splits:  ${Object.entries(manifest.perUsage).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      if (manifest.skipped.count > 0) {
        console.log(`skipped ${manifest.skipped.count} invalid rows, first:`);
        for (const skip of manifest.skipped.first) console.log(`  line ${skip.line}: ${skip.reason}`);
      }
      const noFace = manifest.alignment?.noFace ?? [];
      if (noFace.length > 0) {
        console.log(`no face found in ${noFace.length} images, left out:`);
        for (const file of noFace) console.log(`  ${file}`);
      }
    });

  data
    .command('list')
    .description('list imported data sets and their filtered versions')
    .addOption(dataDirOption())
    .option('--json', 'print one JSON object')
    .action(async (options: { dataDir: string; json?: boolean }) => {
      const manifests = await listManifests(options.dataDir);
      const versions = await listVersions(options.dataDir);
      if (options.json) {
        const brief = versions.map(({ kept, scored, scores, ...rest }) => ({ ...rest, keptCount: kept.length, scoredCount: scored.length }));
        return console.log(JSON.stringify({ datasets: manifests, versions: brief }));
      }
      if (manifests.length === 0) return console.log(`no data sets in ${resolve(options.dataDir)} (faceaug data import <file>)`);
      for (const m of manifests) {
        console.log(`${m.id}  ${m.count} rows  ${m.format}  ${m.source}`);
        for (const v of versions.filter((v) => v.datasetId === m.id)) {
          const registry = v.registryId === undefined ? '' : ` #${v.registryId}`;
          console.log(`  ${v.id}${registry}  ${v.method}  kept ${v.kept.length}  from ${v.parentId ?? 'all rows'}  ${v.createdAt}`);
        }
      }
    });

  data
    .command('duplicates')
    .description('report pixel-identical images: groups, across Usage splits (leakage), with conflicting labels')
    .argument('<dataset>', 'data set id (or unique prefix)')
    .addOption(dataDirOption())
    .option('--limit <n>', 'groups to list', integer('limit', 0), 20)
    .option('--json', 'print the whole report as JSON')
    .action(async (id: string, options: { dataDir: string; limit: number; json?: boolean }) => {
      const started = performance.now();
      const dataset = await loadDataset(options.dataDir, id);
      const report = findDuplicates(dataset);
      const rows = (members: number[]) => members.map((i) => dataset.rows[i]!);
      if (options.json) return console.log(JSON.stringify({ ...report, groups: report.groups.map((g) => ({ ...g, rows: rows(g.members) })) }));
      console.log(`${report.groups.length} groups of identical images (${report.imagesInGroups} images; ${seconds(performance.now() - started)})`);
      console.log(`  across Usage splits (train/test leakage): ${report.crossSplitGroups}`);
      console.log(`  with conflicting labels: ${report.conflictingLabelGroups}`);
      const interesting = [...report.groups].sort((a, b) => Number(b.conflictingLabels) - Number(a.conflictingLabels) || Number(b.crossSplit) - Number(a.crossSplit));
      for (const g of interesting.slice(0, options.limit)) {
        const flags = [g.conflictingLabels && 'conflicting labels', g.crossSplit && 'cross-split'].filter(Boolean).join(', ');
        console.log(`  rows ${rows(g.members).join(', ')}: ${g.labels.join('/')} ${g.usages.join('/')}${flags ? ` (${flags})` : ''}`);
      }
    });

  const filter = data
    .command('filter')
    .description('filter a data set (or a version) by duplicates, Gaussian likelihood, out-of-fold confidence and/or confident learning; each step is a new version')
    .argument('<source>', 'data set id or version id')
    .option('--method <list>', 'gaussian, confidence, confident-learning: those to run, in order (comma-separated)', (raw: string) => raw.split(',').map((m) => m.trim()).filter(Boolean), [])
    .option('--drop-duplicates', 'first drop duplicate images (all of a conflicting-label group, all but one copy otherwise)')
    .option('--splits <list>', `Usage splits to filter; others pass through (${USAGES.join(', ')})`, (raw: string) => raw.split(',').map((s) => s.trim()), ['Training'])
    .option('--retention <percent>', 'gaussian: keep the top percent per class by log-likelihood', number('retention', (v) => v > 0 && v <= 100), 90)
    .option('--embedding <name>', `gaussian: face-api network (${Object.keys(EMBEDDINGS).join(', ')})`, 'expression')
    .option('--shrinkage <weight>', 'gaussian: covariance shrinkage toward tr(S)/d I, 0-1', number('shrinkage', (v) => v >= 0 && v <= 1), 0.1)
    .option('--ridge <value>', 'gaussian: added to the covariance diagonal', number('ridge', (v) => v >= 0), 1e-6)
    .option('--folds <k>', 'confidence, confident-learning: folds of the out-of-fold probabilities (cached per data set, rows and classifier)', integer('folds', 2), 5);
  addClassifierOptions(filter, 'confidence, confident-learning: ', FILTER_DEFAULTS)
    .option('--seed <n>', 'confidence, confident-learning: seed of folds, initialisation and shuffling', integer('seed', 0), 1)
    .option(
      '--prune-by <how>',
      `confident-learning: ${PRUNE_BY.join(' or ')}. noise-rate: per pair of given and true class, as many as the calibrated confident joint counts, largest margin toward the true class first; margin: lowest normalized margin (p(given) - max p(other) + 1) / 2 per class, as many as the joint's off-diagonal or by --min-confidence/--top-n/--top-percent/--top-percent-overall`,
      oneOf('prune-by', PRUNE_BY),
      'noise-rate',
    )
    .option('--min-confidence <p>', 'confidence: keep samples whose annotated class has at least this probability (confident-learning --prune-by margin: this normalized margin)', number('min confidence', (v) => v >= 0 && v <= 1))
    .option('--top-n <n>', 'confidence, confident-learning --prune-by margin: keep the n best-scored samples per class', integer('top n', 1))
    .option('--top-percent <percent>', 'confidence, confident-learning --prune-by margin: keep the best-scored percent per class (confidence default 90)', number('top percent', (v) => v > 0 && v <= 100))
    .option('--top-percent-overall <percent>', 'confidence, confident-learning --prune-by margin: keep the best-scored percent of all images, whatever their class (finds more label noise, takes more of rare classes)', number('top percent overall', (v) => v > 0 && v <= 100))
    .option('--backend <name>', `TensorFlow.js backend: ${BACKENDS.join(' | ')} (env ${settings.backend.env})`)
    .addOption(dataDirOption())
    .addOption(registryOption())
    .option('--json', 'print the versions as JSON (without per-row arrays)')
    .action(async (source: string, options: FilterOptions) => {
      const specs = filterSpecs(options);
      const splits = options.splits.map((name) => {
        const index = usageIndex(name);
        if (index < 0) throw new Error(`unknown split '${name}' (expected ${USAGES.join(', ')})`);
        return index;
      });
      let parent = (await findVersion(options.dataDir, source)) ?? null;
      const dataset = await loadDataset(options.dataDir, parent?.datasetId ?? source);
      if (specs.some((s) => s.method !== 'duplicates')) {
        const backend = await initBackend(options.backend);
        if (!options.json) console.error(describeBackend(backend));
      }
      const results = [];
      for (const spec of specs) {
        const result = await runFilter(dataset, parent, spec, {
          dataDir: options.dataDir,
          splits,
          onStage: (stage) => stageProgress(stage, !!options.json),
          // Opened only to record: a long filter must not hold the embedded database meanwhile.
          register: options.registry
            ? (version, from) => withRegistry(options.dataDir, (handle) => new DataRegistry(handle.db).versionId(dataset.manifest, version, from))
            : undefined,
        });
        results.push(result);
        parent = result.version;
        if (options.json) continue;
        const registered = result.version.registryId === undefined ? '' : `, registry #${result.version.registryId}`;
        console.log(`\n${spec.method}: version ${result.version.id} (${result.version.kept.length} rows kept${registered}, ${seconds(result.version.durationMs)})`);
        console.log(formatClassTable(result.version.classCounts));
        if (result.noise) console.log(`estimated noise, p(given label | true label):\n${formatNoiseMatrix(result.noise)}`);
        if (result.sheets.length > 0) console.log(`contact sheets (top: lowest scored, bottom: highest): ${resolve(result.sheets[0]!, '..')}`);
      }
      if (options.json) {
        console.log(JSON.stringify(results.map(({ version: { kept, scored, scores, ...rest }, sheets }) => ({ ...rest, keptCount: kept.length, sheets }))));
      }
    });

  data
    .command('export')
    .description('write a version (or a whole data set) in the Kaggle CSV layout plus the original row number')
    .argument('<version>', 'version id, its registry number, or a data set id')
    .requiredOption('--out <file>', 'CSV file to write')
    .addOption(dataDirOption())
    .option('--json', 'print a JSON summary')
    .action(async (key: string, options: { out: string; dataDir: string; json?: boolean }) => {
      const version = await findVersion(options.dataDir, key);
      const dataset = await loadDataset(options.dataDir, version?.datasetId ?? key);
      const indices = version ? version.kept : Array.from({ length: dataset.manifest.count }, (_, i) => i);
      await exportKaggleCsv(options.out, dataset, indices, stageProgress('export', !!options.json));
      const summary = { out: resolve(options.out), rows: indices.length, dataset: dataset.manifest.id, version: version?.id ?? null };
      console.log(options.json ? JSON.stringify(summary) : `wrote ${summary.rows} rows to ${summary.out}`);
    });
}
