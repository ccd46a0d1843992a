import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Figures printed by a PyTorch reference script (`train batch=B: median X ms`, `infer [G ]batch=B: median X ms`). */
export interface TorchFigures {
  version: string;
  trainMs: Map<number, number>;
  /** Mean CPU milliseconds of a step (all threads), where the script prints them. */
  trainCpuMs: Map<number, number>;
  inferMs: Map<number, number>;
}

/** The CycleGAN step (bench:train, bench:infer). */
export const TORCH_CYCLEGAN_SCRIPT = process.env.FACEAUG_TORCH_BENCH ?? '../shared/bench/torch_cyclegan_step.py';
/** The expression classifier's step (bench:classify), kept in this repository. */
export const TORCH_CLASSIFIER_SCRIPT = new URL('./torch_classifier_step.py', import.meta.url).pathname;
const PYTHON = '/usr/bin/python3';

/**
 * Runs the PyTorch reference on this machine now, so that ratios compare runs made side by
 * side. Returns a reason instead when it cannot run (no script, no torch).
 */
export function runTorchReference(script: string, threads: number, reps: number): TorchFigures | string {
  if (!existsSync(script)) return `${script} not found`;
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const run = spawnSync(PYTHON, [script, String(threads), String(reps), '2'], { encoding: 'utf8' });
  if (run.status !== 0) return `PyTorch reference failed: ${(run.stderr || run.stdout).trim().split('\n').pop()}`;
  const figures: TorchFigures = { version: '', trainMs: new Map(), trainCpuMs: new Map(), inferMs: new Map() };
  for (const line of run.stdout.split('\n')) {
    const version = /^torch (\S+)/.exec(line);
    if (version) figures.version = version[1]!;
    const train = /^train batch=(\d+): median ([\d.]+) ms/.exec(line);
    if (train) figures.trainMs.set(Number(train[1]), Number(train[2]));
    const cpu = /^train batch=(\d+):.* cpu ([\d.]+) ms/.exec(line);
    if (cpu) figures.trainCpuMs.set(Number(cpu[1]), Number(cpu[2]));
    const infer = /^infer (?:G )?batch=(\d+): median ([\d.]+) ms/.exec(line);
    if (infer) figures.inferMs.set(Number(infer[1]), Number(infer[2]));
  }
  return figures;
}
