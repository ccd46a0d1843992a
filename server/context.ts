import type { OpenAPIHono } from '@hono/zod-openapi';
import type { FacePipeline } from '../core/faces/pipeline.js';
import type { ApiKey } from '../db/api-keys.js';
import type { DatabaseHandle } from '../db/client.js';
import type { InferenceEngine } from './inference/engine.js';
import type { Logger } from './log.js';
import type { ServerMetrics } from './metrics.js';
import type { ServerSettings } from './settings.js';

/** What the middleware leaves on each request for the handlers. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** The caller's key; unset for public translation and unauthenticated endpoints. */
    apiKey?: ApiKey;
  };
}

export type App = OpenAPIHono<AppEnv>;

/** The long-lived parts a request handler may use, built once per server. */
export interface AppDeps {
  handle: DatabaseHandle;
  engine: InferenceEngine;
  /** Finds and aligns the faces in photos (its detector thread starts with the first photo). */
  faces: FacePipeline;
  settings: ServerSettings;
  metrics: ServerMetrics;
  log: Logger;
}
