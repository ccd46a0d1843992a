import type { ArmJob, ArmOutcome, ArmResult, FoldResult } from './fold-task.js';
import { type StoredBaseline, foldKey } from './fold-store.js';
import type { FoldPlan } from './plan.js';

/** The module a pool thread runs an arm with (fold-task.ts; named here so the main thread need not load TensorFlow.js). */
export const ARM_TASK = new URL('./fold-task.ts', import.meta.url);

/** What every arm of a validation shares. */
export type ArmContext = Omit<ArmJob, keyof FoldPlan | 'arm'>;

/**
 * Splits the folds still to train into their arms (the baseline's left out where an earlier
 * validation with the same data, split and classifier stored it) and puts each fold back
 * together once its arms have landed, whichever thread or machine trained them and in what order.
 */
export class FoldAssembly {
  readonly jobs: ArmJob[] = [];
  private readonly plans = new Map<string, FoldPlan>();
  private readonly reusedBaselines = new Map<string, ArmResult>();
  private readonly landed = new Map<string, Partial<Record<ArmOutcome['arm'], ArmOutcome>>>();

  constructor(pending: readonly FoldPlan[], storedBaselines: ReadonlyMap<string, StoredBaseline>, private readonly context: ArmContext) {
    for (const plan of pending) {
      const key = foldKey(plan.repeat, plan.fold);
      this.plans.set(key, plan);
      const stored = storedBaselines.get(key);
      if (stored !== undefined && stored.seed === plan.seed && stored.trainReal === plan.train.length) this.reusedBaselines.set(key, stored.arm);
      else this.jobs.push({ ...plan, ...context, arm: 'baseline' });
      this.jobs.push({ ...plan, ...context, arm: 'augmented' });
    }
  }

  /** Takes a finished arm; returns its fold when that was the fold's last arm. */
  add(outcome: ArmOutcome): FoldResult | undefined {
    const key = foldKey(outcome.repeat, outcome.fold);
    const plan = this.plans.get(key);
    if (!plan) throw new Error(`an arm of fold ${key} arrived, which this validation has no task for`);
    const arms = { ...this.landed.get(key), [outcome.arm]: outcome };
    this.landed.set(key, arms);
    const reused = this.reusedBaselines.get(key);
    const baseline = reused ?? arms.baseline?.result;
    if (!baseline || !arms.augmented) return undefined;
    return {
      repeat: plan.repeat,
      fold: plan.fold,
      seed: plan.seed,
      trainReal: plan.train.length,
      synthetic: arms.augmented.synthetic,
      heldOut: plan.heldOut.length,
      testCount: this.context.test.length,
      baseline,
      augmented: arms.augmented.result,
      baselineReused: reused !== undefined,
      leakedTensors: (arms.baseline?.leakedTensors ?? 0) + arms.augmented.leakedTensors,
    };
  }
}

/** `repeat-fold-arm`: one task of the fold queue, one arm of a fold. */
export const armKey = (arm: { repeat: number; fold: number; arm: string }) => `${foldKey(arm.repeat, arm.fold)}-${arm.arm}`;
