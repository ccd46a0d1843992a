import type { Command } from 'commander';
import { readSetting, settings } from '../core/config.js';
import { integer } from '../core/parsers.js';
import type { ClassifierSettings } from '../trainer/classifier/options.js';
import { JUDGE_DEFAULTS, trainJudge } from '../trainer/evaluate/train-judge.js';
import { BACKENDS } from '../trainer/tfjs/backend.js';
import { addClassifierOptions, classifierFlags } from './classifier-options.js';
import { progressBar } from './progress.js';

export function registerJudgeCommands(program: Command): void {
  const judge = program.command('judge').description("expression judges: the classifiers that 'faceaug evaluate' reads translations with");
  const train = judge
    .command('train')
    .description('train an expression classifier on the Training rows of a data set version, measure it on PublicTest, register it as ONNX')
    .requiredOption('--data <version>', "data set version to learn from (see 'faceaug data list')")
    .option('--seed <n>', 'seed of initialisation, shuffling and augmentation', integer('seed', 0), 1)
    .option('--backend <name>', `TensorFlow.js backend: ${BACKENDS.join(' | ')} (env ${settings.backend.env})`)
    .option('--data-dir <dir>', `data directory (env ${settings.dataDir.env})`)
    .option('--json', 'print the registered judge and its metrics as JSON');
  addClassifierOptions(train, 'judge: ', JUDGE_DEFAULTS);
  train.action(async (flags: Partial<ClassifierSettings> & { data: string; seed: number; backend?: string; dataDir?: string; json?: boolean }) => {
    let bar: ReturnType<typeof progressBar> | undefined;
    const { judge: registered, metrics } = await trainJudge({
      dataDir: flags.dataDir ?? readSetting('dataDir'),
      data: flags.data,
      classifier: classifierFlags(flags, JUDGE_DEFAULTS),
      seed: flags.seed,
      backend: flags.backend,
      onProgress: (done, total) => {
        if (!bar) (bar = progressBar('judge', total)).start(0);
        bar.update(done);
      },
    });
    bar?.stop();
    if (flags.json) return console.log(JSON.stringify({ judge: registered, metrics }));
    console.log(`judge ${registered.id} (${registered.recipe}, sha256 ${registered.sha256.slice(0, 12)}): PublicTest accuracy ${(100 * metrics.accuracy).toFixed(1)}% over ${metrics.testImages} faces`);
    for (const [name, { count, accuracy }] of Object.entries(metrics.perClass)) console.log(`  ${name.padEnd(8)} ${(100 * accuracy).toFixed(1).padStart(5)}% of ${count}`);
  });
}
