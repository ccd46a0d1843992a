import type { Command } from 'commander';
import { settings } from '../core/config.js';
import { BACKENDS, describeBackend, initBackend } from '../trainer/tfjs/backend.js';
import { workerCount } from '../trainer/parallel/worker-count.js';

export function registerRuntimeCommands(program: Command): void {
  program
    .command('runtime')
    .description('show which TensorFlow.js backend and how many workers training would use')
    .option('--backend <name>', `${BACKENDS.join(' | ')} (env ${settings.backend.env})`)
    .option('--json', 'print one JSON object')
    .action(async (options: { backend?: string; json?: boolean }) => {
      const backend = await initBackend(options.backend);
      const workers = workerCount();
      if (options.json) {
        console.log(JSON.stringify({ backend: backend.choice, tfjsBackend: backend.tfjsName, workers, skipped: backend.skipped, convEngine: backend.kernels?.engine }));
      } else {
        console.log(describeBackend(backend));
        for (const reason of backend.skipped) console.log(`  skipped ${reason}`);
        if (backend.kernels?.fallback) console.log(`  convolutions fell back to xnnpack: ${backend.kernels.fallback}`);
        console.log(`workers: ${workers}`);
      }
    });
}
