import { Option, type Command } from 'commander';
import { EXPRESSIONS, parseExpression } from '../core/expressions.js';
import { readSetting, settings } from '../core/config.js';
import { BACKENDS } from '../trainer/runtime/backend.js';
import { workerCount } from '../trainer/runtime/worker-count.js';
import { PRESETS, parsePreset, type TrainOptions } from '../trainer/gan/options.js';
import { resumeTraining, startTraining, type TrainingEvents, type TrainingResult } from '../trainer/gan/run-training.js';
import { generateImages } from '../trainer/gan/generate.js';
import { AUGMENT_POLICIES } from '../trainer/gan/diff-augment.js';
import { fraction, integer, number, oneOf } from './option-parsers.js';
import { progressBar } from './progress.js';

/** Flags that override a preset's value; each maps to one TrainOptions field. */
const OVERRIDES: Array<{ flags: string; field: keyof TrainOptions; help: string; parse: (raw: string) => unknown }> = [
  { flags: '--generator <body>', field: 'body', help: 'generator body: resnet or rdnb (ECycleGAN)', parse: oneOf('generator', ['resnet', 'rdnb'] as const) },
  { flags: '--ngf <n>', field: 'ngf', help: 'generator filters of the first layer', parse: integer('ngf', 1) },
  { flags: '--blocks <n>', field: 'blocks', help: 'resnet: residual blocks', parse: integer('blocks', 0) },
  { flags: '--dense-blocks <n>', field: 'blocks', help: 'rdnb: residual dense blocks', parse: integer('dense blocks', 0) },
  { flags: '--sub-blocks <n>', field: 'subBlocks', help: 'rdnb: convolutions per dense block', parse: integer('sub blocks', 1) },
  { flags: '--res-scale <x>', field: 'resScale', help: 'rdnb: residual scaling of each dense block', parse: number('res scale', (v) => v > 0) },
  {
    flags: '--upsample <mode>',
    field: 'upsample',
    help: 'generator decoder: transpose (transposed convolutions) or resize (nearest upsampling + conv, no checkerboard)',
    parse: oneOf('upsample', ['transpose', 'resize'] as const),
  },
  { flags: '--norm <kind>', field: 'norm', help: 'instance, batch or none', parse: oneOf('norm', ['instance', 'batch', 'none'] as const) },
  { flags: '--ndf <n>', field: 'ndf', help: 'discriminator filters of the first layer', parse: integer('ndf', 1) },
  { flags: '--d-layers <n>', field: 'dLayers', help: 'PatchGAN stride-2 layers', parse: integer('d layers', 1) },
  { flags: '--gan <loss>', field: 'gan', help: 'adversarial loss: lsgan or wgan-gp', parse: oneOf('gan', ['lsgan', 'wgan-gp'] as const) },
  { flags: '--n-critic <n>', field: 'nCritic', help: 'wgan-gp: critic updates per generator update', parse: integer('n critic', 1) },
  { flags: '--lambda-cyc <x>', field: 'lambdaCycle', help: 'cycle-consistency weight', parse: number('lambda cyc', (v) => v >= 0) },
  { flags: '--lambda-idt <x>', field: 'lambdaIdentity', help: 'identity weight, relative to lambda-cyc (0: no identity loss)', parse: number('lambda idt', (v) => v >= 0) },
  {
    flags: '--perceptual <alpha,beta>',
    field: 'perceptual',
    help: 'perceptual cycle loss: beta * pixel L1 + alpha * L1 of face-api expression features',
    parse: (raw: string) => {
      const [alpha, beta, extra] = raw.split(',').map((v) => number('perceptual', (x) => x >= 0)(v.trim()));
      if (alpha === undefined || beta === undefined || extra !== undefined) throw new Error(`invalid perceptual '${raw}' (expected alpha,beta)`);
      return { alpha, beta };
    },
  },
  { flags: '--label-smoothing <p>', field: 'labelSmoothing', help: 'one-sided label smoothing for the minority discriminator', parse: fraction('label smoothing') },
  { flags: '--label-flip <p>', field: 'labelFlip', help: 'probability of flipped labels for the minority discriminator', parse: fraction('label flip') },
  { flags: '--instance-noise <sigma>', field: 'instanceNoise', help: 'initial std of noise on discriminator inputs', parse: number('instance noise', (v) => v >= 0) },
  { flags: '--noise-epochs <n>', field: 'noiseEpochs', help: 'epochs over which instance noise decays to 0', parse: number('noise epochs', (v) => v >= 0) },
  { flags: '--alternate-after <epoch>', field: 'alternateAfter', help: 'alternate training: from this epoch on, rest the minority discriminator', parse: integer('alternate after', 0) },
  { flags: '--alternate-every <n>', field: 'alternateEvery', help: 'alternate training: update it every n generator steps', parse: integer('alternate every', 1) },
  {
    flags: '--augment <policies>',
    field: 'augment',
    help: `DiffAugment for discriminator inputs: comma-separated ${AUGMENT_POLICIES.join(', ')}, or none`,
    parse: (raw: string) => (raw === 'none' ? [] : raw.split(',').map((p) => oneOf('augment', AUGMENT_POLICIES)(p.trim()))),
  },
  { flags: '--pool-size <n>', field: 'poolSize', help: 'image pool per discriminator (0: off)', parse: integer('pool size', 0) },
  { flags: '--lr <rate>', field: 'lr', help: 'Adam learning rate', parse: number('lr', (v) => v > 0) },
  { flags: '--beta1 <b>', field: 'beta1', help: 'Adam beta1', parse: fraction('beta1') },
  { flags: '--epochs <n>', field: 'epochs', help: 'epochs at the base learning rate', parse: integer('epochs', 0) },
  { flags: '--decay-epochs <n>', field: 'decayEpochs', help: 'epochs of linear decay to zero afterwards', parse: integer('decay epochs', 0) },
  { flags: '--steps-per-epoch <n>', field: 'stepsPerEpoch', help: 'steps per epoch (0: one pass over the larger domain)', parse: integer('steps per epoch', 0) },
  { flags: '--batch-size <n>', field: 'batchSize', help: 'images per step and domain, split over the workers', parse: integer('batch size', 1) },
  { flags: '--seed <n>', field: 'seed', help: 'seed of initialisation, batches and all training randomness', parse: integer('seed', 0) },
];

const optionKey = (flags: string) => flags.split(' ')[0]!.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function trainingEvents(json: boolean): TrainingEvents & { stop(): void } {
  let bar: ReturnType<typeof progressBar> | undefined;
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
    stop: () => bar?.stop(),
  };
}

function report(result: TrainingResult, json: boolean): void {
  if (json) return console.log(JSON.stringify(result));
  const early = result.steps < result.scheduledSteps ? ` (stopped early; the schedule had ${result.scheduledSteps})` : '';
  console.log(`run ${result.runId} finished after ${result.steps} steps${early}; registered model version ${result.modelVersion} (candidate)`);
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
    .addOption(new Option('--preset <name>', 'starting configuration that flags override').choices(['paper', 'cpu']).default('cpu'))
    .option('--resume <run>', 'continue an interrupted run from its last checkpoint')
    .option('--workers <n>', `data-parallel worker threads (env ${settings.workers.env}, default one per core)`, integer('workers', 1))
    .option('--backend <name>', `TensorFlow.js backend: ${BACKENDS.join(' | ')} (env ${settings.backend.env})`)
    .option('--stop-at <step>', 'end the run after this many steps in total, keeping what it learned (e.g. with --resume)', integer('stop at', 1))
    .option('--checkpoint-every <steps>', 'also checkpoint every this many steps (0: only at epoch ends)', integer('checkpoint every', 0), 100)
    .option('--data-dir <dir>', `data directory (env ${settings.dataDir.env})`)
    .option('--json', 'print the result as one JSON object');
  for (const o of OVERRIDES) train.option(o.flags, o.help, o.parse);
  train.addHelpText(
    'after',
    `\nPresets:\n${Object.entries(PRESETS)
      .map(([name, p]) => `  ${name}: ${p.body} ngf ${p.ngf} blocks ${p.blocks}, ndf ${p.ndf}, ${p.gan}, lr ${p.lr}, batch ${p.batchSize}, ${p.epochs}+${p.decayEpochs} epochs`)
      .join('\n')}`,
  );
  train.action(async (raw: Record<string, unknown>) => {
    const dataDir = (raw.dataDir as string | undefined) ?? readSetting('dataDir');
    const events = trainingEvents(Boolean(raw.json));
    const common = {
      dataDir,
      backend: raw.backend as string | undefined,
      checkpointEvery: raw.checkpointEvery as number,
      stopAt: raw.stopAt as number | undefined,
      ...events,
    };
    try {
      if (raw.resume !== undefined) {
        const runId = integer('run', 1)(String(raw.resume));
        return report(await resumeTraining({ ...common, runId }), Boolean(raw.json));
      }
      if (!raw.data) throw new Error('--data <version> is required (or --resume <run>)');
      if (!raw.target) throw new Error('--target <expression> is required');
      const preset = PRESETS[parsePreset(String(raw.preset))];
      const overrides = Object.fromEntries(OVERRIDES.filter((o) => raw[optionKey(o.flags)] !== undefined).map((o) => [o.field, raw[optionKey(o.flags)]]));
      const options: TrainOptions = {
        ...preset,
        ...overrides,
        source: parseExpression(String(raw.source)),
        target: parseExpression(String(raw.target)),
        workers: workerCount(raw.workers as number | undefined),
      };
      if (options.source === options.target) throw new Error('source and target expressions must differ');
      report(await startTraining({ ...common, data: String(raw.data), options }), Boolean(raw.json));
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
