import { Option, type Command } from 'commander';
import { EXPRESSIONS, parseExpression } from '../core/expressions.js';
import { readSetting, settings } from '../core/config.js';
import { BACKENDS } from '../trainer/tfjs/backend.js';
import { workerCount } from '../trainer/parallel/worker-count.js';
import { PRESETS, TRAIN_FLAGS, parsePreset, type TrainOptions } from '../trainer/gan/options.js';
import { resumeFromFile, resumeTraining, startTraining, type TrainingEvents, type TrainingResult } from '../trainer/gan/run-training.js';
import { generateImages } from '../trainer/gan/generate.js';
import { loadPortable } from '../trainer/gan/portable-checkpoint.js';
import { integer } from '../core/parsers.js';
import { progressBar } from './progress.js';
import { describeQuality } from './evaluate-commands.js';
import { DEFAULT_EVALUATION_FACES, evaluateRun } from '../trainer/evaluate/evaluate-run.js';
import { NotFoundError } from '../db/errors.js';

interface EvaluationPlan {
  dataDir: string;
  /** Evaluate the snapshots of every this many steps (0: none). */
  every: number;
  /** The registered judge that reads the snapshots (undefined: the newest when each is evaluated). */
  judgeId?: number;
  backend?: string;
}

function trainingEvents(json: boolean, evaluation: EvaluationPlan): TrainingEvents & { stop(): void } {
  let bar: ReturnType<typeof progressBar> | undefined;
  let judgeMissing = false;
  return {
    onStart: ({ totalSteps, globalStep, backend, workers }) => {
      console.error(`training on ${backend} with ${workers} worker(s), ${totalSteps} steps${globalStep ? ` (resuming at ${globalStep})` : ''}`);
      bar = progressBar('train', totalSteps);
      bar.start(globalStep);
    },
    onStep: (row, globalStep) =>
      bar?.update(
        globalStep,
        `G ${row.generator.toFixed(3)} cyc ${row.cycle.toFixed(3)} D_A ${row.discriminatorA.toFixed(3)} D_B ${row.discriminatorB.toFixed(3)}`,
      ),
    onEpoch: (epoch, files) => {
      if (!json) console.error(`\nepoch ${epoch + 1}: samples ${files.samples}, losses ${files.losses}`);
    },
    // Quality on held-out faces as training goes; a run is never stopped by its evaluation.
    onSnapshot: async (step, runId) => {
      if (evaluation.every === 0 || step % evaluation.every !== 0 || judgeMissing) return;
      try {
        await evaluateRun({ ...evaluation, runId, steps: [step], count: DEFAULT_EVALUATION_FACES, seed: 1, onStep: (s, q) => console.error(`\nstep ${s}: ${describeQuality(q)}`) });
      } catch (error) {
        judgeMissing = error instanceof NotFoundError;
        const message = error instanceof Error ? error.message : String(error);
        console.error(judgeMissing ? `\nno quality evaluation during this run: ${message}` : `\nevaluating step ${step} failed: ${message}`);
      }
    },
    // The run registers its best evaluated generator by the selection rule, not the last by default.
    chooseGenerator: async (runId, lastStep) => {
      if (evaluation.every === 0 || judgeMissing) return undefined;
      try {
        const steps = lastStep % evaluation.every === 0 ? [] : [lastStep];
        const { best } = await evaluateRun({ ...evaluation, runId, steps, count: DEFAULT_EVALUATION_FACES, seed: 1, onStep: (s, q) => console.error(`\nstep ${s}: ${describeQuality(q)}`) });
        return best?.step;
      } catch (error) {
        console.error(`\nno quality-based choice of generator, registering the last: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      }
    },
    stop: () => bar?.stop(),
  };
}

function report(result: TrainingResult, json: boolean): void {
  if (json) return console.log(JSON.stringify(result));
  const early = result.steps < result.scheduledSteps ? ` (stopped early; the schedule had ${result.scheduledSteps})` : '';
  const chosen = result.generatorStep === result.steps ? 'its last generator' : `the generator of step ${result.generatorStep}, the best by the selection rule`;
  console.log(`run ${result.runId} finished after ${result.steps} steps${early}; registered ${chosen} as model version ${result.modelVersion} (candidate)`);
  console.log(`  run directory: ${result.runDir}`);
  console.log(`  final losses: ${Object.entries(result.finalLosses).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
}

export function registerTrainCommands(program: Command): void {
  const train = program
    .command('train')
    .description('train a CycleGAN translator from one expression to another on a filtered data set version')
    .option('--data <version>', "data set version to train on (see 'faceaug data list')")
    .option('--source <expression>', `source expression (${EXPRESSIONS.join(', ')})`, 'neutral')
    .option('--target <expression>', 'target expression, e.g. disgust')
    .addOption(new Option('--preset <name>', 'starting configuration that flags override').choices(Object.keys(PRESETS)).default('cpu'))
    .option('--resume <run>', 'continue an interrupted run from its last checkpoint')
    .option('--resume-from <file>', 'continue training from a portable checkpoint (e.g. one committed under models/), as a new run on this machine')
    .option(
      '--init-from <file>',
      "start a new run from a portable checkpoint's weights and settings instead of a preset: flags override its settings (e.g. another --target or loss), step, optimiser and schedule start afresh; --data defaults to its data set version",
    )
    .option('--portable-checkpoint <file>', 'also keep a portable checkpoint (float16, ~9 MB) at every checkpoint, to commit and resume elsewhere (with --resume-from: that file)')
    .option('--workers <n>', `data-parallel worker threads (env ${settings.workers.env}, default one per core)`, integer('workers', 1))
    .option('--backend <name>', `TensorFlow.js backend: ${BACKENDS.join(' | ')} (env ${settings.backend.env})`)
    .option('--stop-at <step>', 'end the run after this many steps in total, keeping what it learned (e.g. with --resume)', integer('stop at', 1))
    .option('--checkpoint-every <steps>', 'also checkpoint every this many steps (0: only at epoch ends)', integer('checkpoint every', 0), 100)
    .option('--evaluate-every <steps>', "measure the snapshot of every this many steps on held-out faces as 'faceaug evaluate' does (0: never)", integer('evaluate every', 0), 500)
    .option('--judge <id>', "registered judge for --evaluate-every (default: the newest at each evaluation; see 'faceaug judge train')", integer('judge', 1))
    .option('--snapshot-every <steps>', 'keep the generator of every this many steps, for evaluate and for registering the best one (0: none)', integer('snapshot every', 0), 250)
    .option('--data-dir <dir>', `data directory (env ${settings.dataDir.env})`)
    .option('--json', 'print the result as one JSON object');
  const overrides = TRAIN_FLAGS.map((f) => {
    const defaults = Object.entries(PRESETS).map(([name, preset]) => `${name}: ${JSON.stringify(preset[f.field])}`);
    const option = new Option(f.flags, `${f.help} (${defaults.join(', ')})`).argParser(f.parse);
    train.addOption(option);
    return { field: f.field, key: option.attributeName() };
  });
  train.action(async (raw: Record<string, unknown>) => {
    const dataDir = (raw.dataDir as string | undefined) ?? readSetting('dataDir');
    const [evaluateEvery, snapshotEvery] = [raw.evaluateEvery as number, raw.snapshotEvery as number];
    if (evaluateEvery > 0 && (snapshotEvery === 0 || evaluateEvery % snapshotEvery !== 0)) {
      throw new Error(`--evaluate-every ${evaluateEvery} must be a multiple of --snapshot-every ${snapshotEvery}: only snapshots can be evaluated`);
    }
    const events = trainingEvents(Boolean(raw.json), { dataDir, every: evaluateEvery, judgeId: raw.judge as number | undefined, backend: raw.backend as string | undefined });
    const common = {
      dataDir,
      backend: raw.backend as string | undefined,
      checkpointEvery: raw.checkpointEvery as number,
      snapshotEvery: raw.snapshotEvery as number,
      stopAt: raw.stopAt as number | undefined,
      portablePath: raw.portableCheckpoint as string | undefined,
      ...events,
    };
    try {
      if (raw.resumeFrom !== undefined) return report(await resumeFromFile({ ...common, path: String(raw.resumeFrom) }), Boolean(raw.json));
      if (raw.resume !== undefined) {
        const runId = integer('run', 1)(String(raw.resume));
        return report(await resumeTraining({ ...common, runId }), Boolean(raw.json));
      }
      const warm = raw.initFrom === undefined ? undefined : await loadPortable(String(raw.initFrom));
      const data = (raw.data as string | undefined) ?? warm?.data.versionId;
      if (!data) throw new Error('--data <version> is required (or --resume <run>)');
      if (!raw.target && !warm) throw new Error('--target <expression> is required');
      const base = warm?.checkpoint.options ?? PRESETS[parsePreset(String(raw.preset))];
      const options: TrainOptions = {
        ...base,
        ...Object.fromEntries(overrides.filter(({ key }) => raw[key] !== undefined).map(({ field, key }) => [field, raw[key]])),
        source: parseExpression(String(raw.source)),
        target: raw.target ? parseExpression(String(raw.target)) : warm!.checkpoint.options.target,
        workers: workerCount(raw.workers as number | undefined),
      };
      if (options.source === options.target) throw new Error('source and target expressions must differ');
      report(await startTraining({ ...common, data, options, initializeFrom: raw.initFrom as string | undefined }), Boolean(raw.json));
    } finally {
      events.stop();
    }
  });

  program
    .command('generate')
    .description("translate a fixed, seeded set of a run's source faces into its target expression")
    .requiredOption('--run <id>', 'training run', integer('run', 1))
    .requiredOption('--count <n>', 'images to generate', integer('count', 1))
    .requiredOption('--out <dir>', 'output directory (PNG files and manifest.jsonl)')
    .option('--seed <n>', 'seed of the choice of source faces', integer('seed', 0), 0)
    .option('--backend <name>', `TensorFlow.js backend: ${BACKENDS.join(' | ')} (env ${settings.backend.env})`)
    .option('--data-dir <dir>', `data directory (env ${settings.dataDir.env})`)
    .option('--json', 'print a JSON summary')
    .action(async (raw: { run: number; count: number; out: string; seed: number; backend?: string; dataDir?: string; json?: boolean }) => {
      const summary = await generateImages({ dataDir: raw.dataDir ?? readSetting('dataDir'), runId: raw.run, count: raw.count, out: raw.out, seed: raw.seed, backend: raw.backend });
      if (raw.json) console.log(JSON.stringify(summary));
      else console.log(`wrote ${summary.count} images and manifest.jsonl to ${summary.out} (run ${summary.runId}, model version ${summary.modelVersion ?? 'unregistered'})`);
    });
}
