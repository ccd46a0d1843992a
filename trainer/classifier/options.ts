import { integer, number, oneOf, yesNo } from '../../core/parsers.js';
import { SCHEDULES, type Schedule } from './schedule.js';

export const RECIPES = ['reference', 'fast'] as const;
export type RecipeName = (typeof RECIPES)[number];

/** Everything that decides how a classifier is trained: what validation folds, the quality gate and the confidence filter share. */
export interface ClassifierSettings {
  recipe: RecipeName;
  /** Multiplies every layer's width: 1 is the study's 32/64/128 conv + 256 dense network. */
  width: number;
  epochs: number;
  batchSize: number;
  /** Adam's (peak) learning rate. */
  learningRate: number;
  schedule: Schedule;
  flip: boolean;
  shift: number;
  labelSmoothing: number;
}

type RecipeSettings = Omit<ClassifierSettings, 'recipe'>;

/**
 * `reference` is the study's recipe (Adam 1e-4, 20 epochs, no augmentation), the default: the
 * only one known to reach the study's mean AUC (0.913). `fast` (cosine schedule, flips, shifts,
 * label smoothing) reached mean AUC 0.730 and accuracy 0.371 on the validation's fixed test set
 * in its 4 epochs (README "Expression classifier"): not yet strong enough to be the default.
 */
export const DEFAULT_RECIPE: RecipeName = 'reference';
export const RECIPE_SETTINGS: Record<RecipeName, RecipeSettings> = {
  reference: { width: 1, epochs: 20, batchSize: 64, learningRate: 1e-4, schedule: 'constant', flip: false, shift: 0, labelSmoothing: 0 },
  fast: { width: 1, epochs: 4, batchSize: 64, learningRate: 2e-3, schedule: 'cosine', flip: true, shift: 3, labelSmoothing: 0.1 },
};

const positive = (name: string) => number(name, (v) => v > 0);
const share = (name: string) => number(name, (v) => v >= 0 && v < 1);

export interface ClassifierOption<K extends keyof ClassifierSettings = keyof ClassifierSettings> {
  flag: string;
  field: K;
  parse: (raw: string) => ClassifierSettings[K];
  help: string;
}

const option = <K extends keyof ClassifierSettings>(o: ClassifierOption<K>) => o as unknown as ClassifierOption;

/**
 * The classifier's flags, one row each; `faceaug data filter` and `faceaug validate` declare them
 * from here. Every setting but --recipe defaults to the recipe's value.
 */
export const CLASSIFIER_OPTIONS: readonly ClassifierOption[] = [
  option({ flag: '--recipe <name>', field: 'recipe', parse: oneOf('recipe', RECIPES), help: `classifier training recipe: ${RECIPES.join(', ')} (default ${DEFAULT_RECIPE}, the study's)` }),
  option({ flag: '--width <factor>', field: 'width', parse: positive('width'), help: 'classifier width (1: conv 32/64/128, dense 256)' }),
  option({ flag: '--epochs <n>', field: 'epochs', parse: integer('epochs', 1), help: 'classifier training epochs' }),
  option({ flag: '--batch-size <n>', field: 'batchSize', parse: integer('batch size', 1), help: 'classifier batch size' }),
  option({ flag: '--learning-rate <rate>', field: 'learningRate', parse: positive('learning rate'), help: 'classifier Adam (peak) learning rate' }),
  option({ flag: '--schedule <name>', field: 'schedule', parse: oneOf('schedule', SCHEDULES), help: `learning-rate schedule: ${SCHEDULES.join(', ')} (cosine: 5% warm-up, then decay to 0)` }),
  option({ flag: '--flip <bool>', field: 'flip', parse: yesNo('flip'), help: 'mirror training images left-right at random' }),
  option({ flag: '--shift <pixels>', field: 'shift', parse: integer('shift', 0), help: 'move training images by up to this many pixels at random' }),
  option({ flag: '--label-smoothing <x>', field: 'labelSmoothing', parse: share('label smoothing'), help: 'share of each target spread over all classes' }),
];

/** The settings of `given` (parsed flags; absent ones undefined) over its recipe's. */
export function classifierSettings(given: Partial<ClassifierSettings>): ClassifierSettings {
  const recipe = given.recipe ?? DEFAULT_RECIPE;
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  return { ...RECIPE_SETTINGS[recipe], ...defined, recipe };
}
