import type { Command } from 'commander';
import { readSetting, settings } from '../core/config.js';
import { integer } from '../core/parsers.js';
import { BACKENDS } from '../trainer/tfjs/backend.js';
import { DEFAULT_EVALUATION_FACES, evaluateModel, evaluateRun, type StepQuality } from '../trainer/evaluate/evaluate-run.js';
import { DEFAULT_SELECTION } from '../trainer/evaluate/select-checkpoint.js';
import { type InputJitter, parseJitter } from '../trainer/gan/input-jitter.js';
import { registerRunGenerator } from '../trainer/gan/run-training.js';

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

/** One line per evaluated step, for `evaluate` and for the evaluations `train` runs as it goes. */
export function describeQuality(q: Omit<StepQuality, 'step'>): string {
  return (
    `judge reads ${percent(q.expression.targetRate)} as ${q.target} (real: ${percent(q.ceiling.targetRate)}), ` +
    `SSIM ${q.identity.ssim.toFixed(3)}, KID ${q.realism.mean.toFixed(4)} ± ${q.realism.std.toFixed(4)}`
  );
}

export function registerEvaluateCommands(program: Command): void {
  program
    .command('evaluate')
    .description("measure a run's translations on held-out faces: expression (a registered judge), identity (SSIM), realism (KID)")
    .option('--run <id>', 'training run whose snapshots to evaluate', integer('run', 1))
    .option('--model <dir>', "or a shipped translator folder (manifest.json + model.onnx), e.g. models/neutral-to-disgust, with --data")
    .option('--data <version>', '--model: data set version for held-out and reference faces (the one the translator trained on)')
    .option('--step <steps>', 'generator snapshot steps, comma-separated (default: every snapshot not evaluated yet)', (raw: string) =>
      raw.split(',').map((s) => integer('step', 0)(s.trim())),
    )
    .option('--count <n>', 'held-out source faces (PublicTest rows) translated per step', integer('count', 2), DEFAULT_EVALUATION_FACES)
    .option('--seed <n>', 'seed of the choice of held-out faces and of the KID subsets', integer('seed', 0), 1)
    .option('--judge <id>', "registered judge to use (default: the one that first evaluated the run, else the newest outside the run's loss; see 'faceaug judge train')", integer('judge', 1))
    .option('--backend <name>', `TensorFlow.js backend: ${BACKENDS.join(' | ')} (env ${settings.backend.env})`)
    .option('--data-dir <dir>', `data directory (env ${settings.dataDir.env})`)
    .option(
      '--jitter <shift,degrees,scale>',
      'translate the held-out faces moved (px), turned (degrees) and zoomed (fraction) by up to these, seeded: does the translator follow a face or paint at fixed places? Kept in <run>/evaluations/jitter-<shift,degrees,scale>/',
      parseJitter,
    )
    .option('--register-best', "--run, once finished: register the best checkpoint's generator as a new candidate model version when it is not the registered one (for runs that ended before a judge existed)")
    .option('--json', 'print the evaluation as one JSON object')
    .addHelpText(
      'after',
      `
Writes <run>/evaluations/step-N.json per step, quality.png (the measures over steps) and grid.png
(the fixed held-out faces, then their translation at each evaluated step). The best checkpoint is
picked among those with mean SSIM >= ${DEFAULT_SELECTION.minSsim} to their inputs: of the ones the judge reads as the
target at least ${DEFAULT_SELECTION.expressive} x as often as real target faces, the lowest KID; until one gets there,
the one most often read as the target (KID breaks near-ties); 'faceaug train' registers that step's generator when the run ends,
'evaluate --register-best' does so for a run that has ended. Those files belong to the first judge
that evaluated the run; another judge's readings (--judge) go to <run>/evaluations/judge-<id>/.`,
    )
    .action(async (flags: { run?: number; model?: string; data?: string; step?: number[]; count: number; seed: number; judge?: number; backend?: string; dataDir?: string; registerBest?: boolean; jitter?: InputJitter | null; json?: boolean }) => {
      const dataDir = flags.dataDir ?? readSetting('dataDir');
      if ((flags.run === undefined) === (flags.model === undefined)) throw new Error('give either --run <id> or --model <dir>');
      if (flags.registerBest && flags.run === undefined) throw new Error('--register-best needs --run <id>');
      if (flags.registerBest && flags.jitter) throw new Error('--register-best picks by the run\'s own evaluations: leave out --jitter');
      const jitter = flags.jitter ?? undefined;
      if (flags.model !== undefined) {
        if (!flags.data) throw new Error('--model needs --data <version>');
        const quality = await evaluateModel({ dataDir, modelDir: flags.model, data: flags.data, count: flags.count, seed: flags.seed, judgeId: flags.judge, backend: flags.backend, jitter });
        return console.log(flags.json ? JSON.stringify(quality) : `${flags.model}: ${describeQuality(quality)}`);
      }
      const result = await evaluateRun({
        dataDir,
        runId: flags.run!,
        steps: flags.step,
        count: flags.count,
        seed: flags.seed,
        judgeId: flags.judge,
        backend: flags.backend,
        jitter,
        onStep: (step, q) => {
          if (!flags.json) console.error(`step ${step}: ${describeQuality(q)}`);
        },
      });
      const registered = flags.registerBest && result.best ? await registerRunGenerator(dataDir, result.runId, result.best.step) : undefined;
      if (flags.json) return console.log(JSON.stringify({ ...result, ...(flags.registerBest && { registered: registered ?? null }) }));
      console.log(`run ${result.runId}: ${result.evaluated.length} step(s) evaluated; plot ${result.files.quality}, faces ${result.files.grid}`);
      if (result.best) console.log(`best checkpoint by the selection rule: step ${result.best.step}`);
      if (flags.registerBest && result.best) {
        console.log(registered ? `registered the generator of step ${registered.generatorStep} as model version ${registered.modelVersion} (candidate)` : `the generator of step ${result.best.step} is registered already`);
      }
    });
}
