import { Option, type Command } from 'commander';
import { join } from 'node:path';
import { readSetting, settings } from '../core/config.js';
import { BACKENDS } from '../trainer/tfjs/backend.js';
import { runValidation, validationsDir } from '../trainer/validate/run-validation.js';
import { DEFAULT_RULE, STATISTICS, type Statistic } from '../trainer/validate/verdict.js';
import { fraction, integer, number } from '../core/parsers.js';
import { progressBar } from './progress.js';
import { addClassifierOptions, classifierFlags } from './classifier-options.js';
import type { ClassifierSettings } from '../trainer/validate/fold-task.js';

interface ValidateFlags extends Partial<ClassifierSettings> {
  run: number;
  data?: string;
  count: number;
  selectFrom?: number;
  testPerClass: number;
  repeats: number;
  folds: number;
  seed: number;
  alpha: number;
  tolerance: number;
  statistic: Statistic;
  register: boolean;
  queue?: boolean;
  workers?: number;
  backend?: string;
  dataDir?: string;
  json?: boolean;
}

export function registerValidateCommands(program: Command): void {
  const validate = program
    .command('validate')
    .description("does a run's translator help a classifier? paired, repeated k-fold classification with and without its synthetic images; registers the verdict")
    .requiredOption('--run <id>', 'training run whose generator makes the synthetic images', integer('run', 1))
    .option('--data <version>', 'filtered data set version to validate on (default: the one the run trained on)')
    .option('--count <n>', 'synthetic target images added to every training fold', integer('count', 1), 100)
    .option('--select-from <n>', 'quality gate: generate n candidates and keep the --count a baseline classifier finds most target-like', integer('select from', 1))
    .option('--test-per-class <n>', 'fixed test set: images per class, never trained on (outside the Training split first, topped up from it)', integer('test per class', 1), 100)
    .option('--repeats <n>', 'repetitions of the k-fold split (more can be added later; finished folds are reused)', integer('repeats', 1), 3)
    .option('--folds <k>', 'folds per repetition', integer('folds', 2), 10);
  addClassifierOptions(validate)
    .option('--seed <n>', 'seed of the test set, synthetic sources, folds and classifiers', integer('seed', 0), 1)
    .option('--alpha <p>', 'significance level of the target-AUC improvement', fraction('alpha'), DEFAULT_RULE.alpha)
    .option('--tolerance <x>', 'largest accepted drop of mean AUC', number('tolerance', (v) => v >= 0), DEFAULT_RULE.tolerance)
    .addOption(new Option('--statistic <name>', 'test behind the verdict').choices(STATISTICS).default(DEFAULT_RULE.statistic))
    .option('--no-register', 'do not record the verdict in the registry')
    .option('--queue', "train the folds on `faceaug worker` processes on any machine, through the Postgres registry (DATABASE_URL), and wait for them")
    .option('--workers <n>', `folds trained in parallel here, without --queue (env ${settings.workers.env}, default one per core)`, integer('workers', 1))
    .option('--backend <name>', `TensorFlow.js backend: ${BACKENDS.join(' | ')} (env ${settings.backend.env})`)
    .option('--data-dir <dir>', `data directory (env ${settings.dataDir.env})`)
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Writes <data dir>/validations/<id>/: report.json, report.md, precision.png and auc.png (baseline vs
augmented per class, ± 1 sd over folds), synthetic.png (sources above their translations),
folds/<repeat>-<fold>.json. Re-running the same command reuses every finished fold.
With --queue each fold's two classifiers become tasks in Postgres for \`faceaug worker\` on any
machine that has imported the same data set; this command waits for them, then reports and
records the verdict. Interrupted, the workers go on: the same command again picks up what landed.
Accepted when the target class's AUC on the fixed test set improves with p < --alpha and mean
AUC drops by at most --tolerance. --statistic corrected-t (default) is the Nadeau-Bengio
corrected resampled t-test; folds share training data, so the plain t-test is overconfident.`,
    )
    .action(async (flags: ValidateFlags) => {
      const dataDir = flags.dataDir ?? readSetting('dataDir');
      let bar: ReturnType<typeof progressBar> | undefined;
      let folds = 0;
      try {
        const report = await runValidation({
          dataDir,
          runId: flags.run,
          data: flags.data,
          count: flags.count,
          selectFrom: flags.selectFrom,
          testPerClass: flags.testPerClass,
          folds: flags.folds,
          repeats: flags.repeats,
          seed: flags.seed,
          classifier: classifierFlags(flags),
          rule: { statistic: flags.statistic, alpha: flags.alpha, tolerance: flags.tolerance },
          workers: flags.workers,
          backend: flags.backend,
          register: flags.register,
          queue: flags.queue
            ? {
                pollMs: readSetting('foldPollMs'),
                onQueued: ({ validationId, datasetId, tasks, added, retried }) =>
                  console.error(
                    `validate: ${tasks} fold classifiers of ${validationId} in the queue (${added} new, ${retried} failed ones retried); ` +
                      `\`faceaug worker\` takes them on machines that have imported data set ${datasetId}`,
                  ),
                onWaiting: ({ running, pending }) => bar?.update(folds, `${running} training, ${pending} waiting for a worker`),
              }
            : undefined,
          onPhase: (phase) => console.error(`validate: ${phase}`),
          onFolds: (done, total, latest) => {
            folds = done;
            if (!bar) {
              bar = progressBar('folds', total, 1);
              bar.start(done);
            }
            const status = latest
              ? `fold ${latest.repeat}-${latest.fold}: mean AUC ${latest.baseline.test.meanAuc.toFixed(3)} -> ${latest.augmented.test.meanAuc.toFixed(3)}`
              : '';
            bar.update(done, status);
          },
        });
        bar?.stop();
        if (flags.json) return console.log(JSON.stringify(report));
        const dir = join(validationsDir(dataDir), report.id);
        const t = report.sets.test.comparisons;
        console.log(`validation ${report.id}: ${report.verdict.accepted ? 'ACCEPTED' : 'REJECTED'} (${report.folds.total} folds, ${report.folds.reused} reused)`);
        for (const reason of report.verdict.reasons) console.log(`  ${reason}`);
        console.log(`  target AUC ${t.targetAuc.t.baselineMean.toFixed(4)} -> ${t.targetAuc.t.augmentedMean.toFixed(4)}, mean AUC ${t.meanAuc.t.baselineMean.toFixed(4)} -> ${t.meanAuc.t.augmentedMean.toFixed(4)}`);
        console.log(`  ${report.registered ? `model version ${report.registered.modelVersion} is ${report.registered.status}` : report.registration}`);
        console.log(`  report: ${join(dir, 'report.md')}`);
      } finally {
        bar?.stop();
      }
    });
}
