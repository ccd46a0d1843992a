import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { readSetting, settings } from '../core/config.js';
import { packageModel } from '../trainer/ship/package-model.js';
import type { MeasuredQuality } from '../trainer/ship/quality-table.js';
import { integer } from '../core/parsers.js';

export function registerPackageCommands(program: Command): void {
  program
    .command('package')
    .description('ship a finished, validated run as models/<source>-to-<target>/ (ONNX, manifest, model card, pictures)')
    .requiredOption('--run <id>', 'training run', integer('run', 1))
    .requiredOption('--validation <dir>', "the run's validation directory (report.json, report.md)")
    .requiredOption('--notes <file>', 'Markdown with the known weaknesses seen in the outputs, for the model card')
    .option('--compare-with <file>', "the replaced translator's quality, from 'faceaug evaluate --model <dir> --data <version> --json' with the same judge, shown beside this one's")
    .option('--recipe-notes <file>', 'Markdown on how the recipe was chosen (e.g. an ablation table), for the model card')
    .option('--out <dir>', `where shipped translators live (env ${settings.modelsDir.env})`)
    .option('--data-dir <dir>', `data directory (env ${settings.dataDir.env})`)
    .option('--json', 'print the manifest as JSON')
    .action(async (raw: { run: number; validation: string; notes: string; compareWith?: string; recipeNotes?: string; out?: string; dataDir?: string; json?: boolean }) => {
      const { dir, manifest } = await packageModel({
        dataDir: raw.dataDir ?? readSetting('dataDir'),
        runId: raw.run,
        validationDir: raw.validation,
        out: raw.out ?? readSetting('modelsDir'),
        notes: await readFile(raw.notes, 'utf8'),
        previous: raw.compareWith ? { label: 'previously shipped translator', quality: JSON.parse(await readFile(raw.compareWith, 'utf8')) as MeasuredQuality } : undefined,
        recipe: raw.recipeNotes ? await readFile(raw.recipeNotes, 'utf8') : undefined,
      });
      if (raw.json) console.log(JSON.stringify(manifest));
      else console.log(`shipped ${dir}: ${manifest.verdict}`);
    });
}
