import cliProgress from 'cli-progress';

/**
 * A progress bar with ETA on stderr when it is a terminal; elsewhere (logs, CI) a plain line
 * every `logEvery` updates, so background runs still show where they are.
 */
export function progressBar(label: string, total: number, logEvery = 50) {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} | ETA {eta_formatted} | {status}`, hideCursor: true, etaBuffer: 50, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    return {
      start: (value: number) => bar.start(total, value, { status: '' }),
      update: (value: number, status: string) => bar.update(value, { status }),
      stop: () => bar.stop(),
    };
  }
  let started = 0;
  let first = 0;
  return {
    start: (value: number) => {
      started = performance.now();
      first = value;
    },
    update: (value: number, status: string) => {
      if (value % logEvery !== 0 && value !== total) return;
      const rate = (value - first) / ((performance.now() - started) / 1000);
      const eta = rate > 0 ? Math.round((total - value) / rate) : 0;
      console.error(`${label} ${value}/${total} | ETA ${eta}s | ${status}`);
    },
    stop: () => undefined,
  };
}
