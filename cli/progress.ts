import cliProgress from 'cli-progress';
import type { Progress } from '../trainer/data/import-options.js';

/**
 * A progress bar with ETA on stderr when it is a terminal; elsewhere (logs, CI) a plain line each
 * time the count passes a multiple of `logEvery`, so background runs still show where they are.
 */
export function progressBar(label: string, total: number, logEvery = 50) {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} | ETA {eta_formatted} | {status}`, hideCursor: true, etaBuffer: 50, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    return {
      start: (value: number) => bar.start(total, value, { status: '' }),
      update: (value: number, status = '') => bar.update(value, { status }),
      stop: () => bar.stop(),
    };
  }
  let started = 0;
  let first = 0;
  let nextLine = 0;
  return {
    start: (value: number) => {
      started = performance.now();
      first = value;
      nextLine = (Math.floor(value / logEvery) + 1) * logEvery;
    },
    // Crossing a multiple, not landing on one: a stage may report its count in jumps.
    update: (value: number, status = '') => {
      if (value < nextLine && value !== total) return;
      nextLine = (Math.floor(value / logEvery) + 1) * logEvery;
      const rate = (value - first) / ((performance.now() - started) / 1000);
      const eta = rate > 0 ? Math.round((total - value) / rate) : 0;
      console.error(`${label} ${value}/${total} | ETA ${eta}s${status ? ` | ${status}` : ''}`);
    },
    stop: () => undefined,
  };
}

/**
 * A {@link Progress} callback for one long stage of a data command: a {@link progressBar} (a line
 * per tenth off a terminal) that starts with the first report and, when the stage is done, says
 * how long it took. `quiet` (--json) keeps stderr clean.
 */
export function stageProgress(stage: string, quiet: boolean): Progress {
  let bar: ReturnType<typeof progressBar> | undefined;
  let started = 0;
  return (done, total) => {
    if (quiet) return;
    if (!bar) {
      started = performance.now();
      bar = progressBar(stage, total, Math.max(1, Math.ceil(total / 10)));
      bar.start(0);
    }
    bar.update(done);
    if (done >= total) {
      bar.stop();
      bar = undefined;
      console.error(`${stage}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  };
}
