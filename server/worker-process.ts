import { FacePipeline } from '../core/faces/pipeline.js';
import { restrictDecoders } from '../core/image-codec.js';
import type { DatabaseHandle } from '../db/client.js';
import { openRegistry } from '../db/open-registry.js';
import { InferenceEngine } from './inference/engine.js';
import { JobWorker } from './jobs/worker.js';
import { type LogSink, createLogger } from './log.js';
import { ServerMetrics } from './metrics.js';
import { type ServerSettings, readServerSettings } from './settings.js';

export interface RunningWorker {
  handle: DatabaseHandle;
  close(): Promise<void>;
}

/**
 * A bulk-job worker without an HTTP server (`faceaug worker`): one more consumer of the job queue
 * in the database. It loads only the models the jobs it claims were pinned to.
 */
export async function startWorker(options: { settings?: Partial<ServerSettings>; databaseUrl?: string | null; log?: LogSink } = {}): Promise<RunningWorker> {
  const settings = readServerSettings(options.settings);
  const log = createLogger(options.log, { process: 'worker' });
  restrictDecoders();
  const handle = await openRegistry(settings.dataDir, options.databaseUrl);
  const engine = new InferenceEngine(handle.db, settings, new ServerMetrics(), log);
  const faces = new FacePipeline({ maxFaces: settings.maxFaces, detectorThreads: settings.detectorThreads });
  const worker = new JobWorker(handle.db, engine, faces, settings, new ServerMetrics(), log);
  worker.start();
  log.info('worker started', { kind: handle.kind, location: handle.location, claimSize: settings.jobClaimSize });
  return {
    handle,
    close: async () => {
      await worker.stop();
      await faces.close();
      await engine.close();
      await handle.close();
      log.info('worker stopped');
    },
  };
}
