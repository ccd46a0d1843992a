import type { Command } from 'commander';
import { CLASSIFIER_OPTIONS, classifierSettings, type ClassifierSettings, type RecipeSettings } from '../trainer/classifier/options.js';

/**
 * Declares every classifier flag of trainer/classifier/options.ts on `command`, each help text
 * after `prefix`; a flag the use's `defaults` set (see classifierSettings) says its default here.
 */
export function addClassifierOptions(command: Command, prefix = '', defaults: Partial<RecipeSettings> = {}): Command {
  for (const { flag, field, parse, help } of CLASSIFIER_OPTIONS) {
    const fixed = field === 'recipe' ? undefined : defaults[field];
    command.option(flag, prefix + help + (fixed === undefined ? '' : ` (default here: ${fixed}, whatever the recipe)`), parse);
  }
  return command;
}

/** The typed classifier settings of a command's parsed flags, over the use's `defaults` (see classifierSettings). */
export function classifierFlags(flags: Partial<ClassifierSettings>, defaults: Partial<RecipeSettings> = {}): ClassifierSettings {
  return classifierSettings(Object.fromEntries(CLASSIFIER_OPTIONS.map(({ field }) => [field, flags[field]])), defaults);
}
