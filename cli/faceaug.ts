#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerRuntimeCommands } from './runtime-commands.js';
import { registerDataCommands } from './data-commands.js';
import { registerDbCommands } from './db-commands.js';
import { registerModelCommands } from './model-commands.js';
import { registerKeyCommands } from './key-commands.js';
import { registerServerCommands } from './server-commands.js';
import { registerTrainCommands } from './train-commands.js';
import { registerPackageCommands } from './package-commands.js';
import { registerValidateCommands } from './validate-commands.js';
import { registerEvaluateCommands } from './evaluate-commands.js';
import { registerJudgeCommands } from './judge-commands.js';

/**
 * The `faceaug` command line. Each command group lives in its own module beside this file and
 * registers itself here; a command reports bad input by throwing, and this entry point turns any
 * error into one line on stderr and a non-zero exit.
 */
export function buildProgram(): Command {
  const program = new Command('faceaug')
    .description('Generative data augmentation for facial-expression data sets')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerRuntimeCommands(program);
  registerDataCommands(program);
  registerDbCommands(program);
  registerModelCommands(program);
  registerKeyCommands(program);
  registerServerCommands(program);
  registerTrainCommands(program);
  registerJudgeCommands(program);
  registerEvaluateCommands(program);
  registerPackageCommands(program);
  registerValidateCommands(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    console.error(`faceaug: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

await main(process.argv);
