// Worker threads start without the parent's tsx loader, so each worker registers it before
// importing its TypeScript entry module (workerData.entry, a file URL).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
