import type { Command } from 'commander';
import { CLASSIFIER_OPTIONS, classifierSettings, type ClassifierSettings, type RecipeSettings } from '../trainer/classifier/options.js';

/** Declares every classifier flag of trainer/classifier/options.ts on `command`, each help text after `prefix`. */
export function addClassifierOptions(command: Command, prefix = ''): Command {
  for (const { flag, parse, help } of CLASSIFIER_OPTIONS) command.option(flag, prefix + help, parse);
  return command;
}

/** The typed classifier settings of a command's parsed flags, over the use's `defaults` (see classifierSettings). */
export function classifierFlags(flags: Partial<ClassifierSettings>, defaults: Partial<RecipeSettings> = {}): ClassifierSettings {
  return classifierSettings(Object.fromEntries(CLASSIFIER_OPTIONS.map(({ field }) => [field, flags[field]])), defaults);
}
