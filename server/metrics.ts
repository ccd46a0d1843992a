/**
 * The server's Prometheus series, on prom-client (the client library Node services use): its
 * default process series (CPU, memory, heap, file descriptors, event-loop lag, GC) and this
 * server's own: request latency, inference batches, shed requests, job items, and gauges read at
 * scrape time (queue depth, loaded models, the database pool, the job backlog).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DatabaseHandle } from '../db/client.js';
import { jobBacklog, type JobBacklog } from '../db/jobs.js';
import { withDatabaseDeadline } from './deadline.js';

const LATENCY_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** How long a scrape waits for the backlog query; past it the backlog series are left out, not the scrape. */
const BACKLOG_DATABASE_WAIT_MS = 1_000;

let processRegistry: Registry | undefined;

/**
 * The process series, registered once per process: prom-client's default collectors start an
 * event-loop delay monitor and a GC observer that cannot be stopped, so one per server would pile
 * up in a process that starts several (tests). They describe the process, which servers share.
 */
function processSeries(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** The series this server exports; one registry per server, so tests can run several side by side. */
export class ServerMetrics {
  /** This server's own series (the process series are added at scrape time, see `registry`). */
  private readonly own = new Registry();
  private readonly registers = [this.own];

  readonly requestDuration = new Histogram({
    name: 'faceaug_http_request_duration_seconds',
    help: 'HTTP request latency by route, method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: LATENCY_BOUNDS,
    registers: this.registers,
  });
  readonly batchSize = new Histogram({
    name: 'faceaug_inference_batch_size',
    help: 'images per onnxruntime call',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: this.registers,
  });
  readonly inferenceDuration = new Histogram({
    name: 'faceaug_inference_duration_seconds',
    help: 'onnxruntime call time by translator',
    labelNames: ['translator'],
    buckets: LATENCY_BOUNDS,
    registers: this.registers,
  });
  readonly shed = new Counter({ name: 'faceaug_requests_shed_total', help: 'requests refused for overload, by reason', labelNames: ['reason'], registers: this.registers });
  readonly jobItems = new Counter({
    name: 'faceaug_job_items_total',
    help: 'bulk job items finished by this process, by outcome',
    labelNames: ['outcome'],
    registers: this.registers,
  });

  constructor() {
    // Started now, not at the first scrape: the event-loop delay monitor then has samples for it.
    processSeries();
  }

  /** A gauge read at scrape time, so it can never drift from the value it reports. */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: this.registers,
      collect() {
        this.set(read());
      },
    });
  }

  /**
   * The database series, read at scrape time: the pool's connections on Postgres (PGlite is one
   * in-process connection, with nothing to report), and the job backlog. The backlog query waits
   * at most BACKLOG_DATABASE_WAIT_MS: with the database down or hung, a scrape still answers,
   * with faceaug_db_up 0 and no backlog samples.
   */
  watchDatabase(handle: DatabaseHandle): void {
    if (handle.kind === 'postgres') {
      const pool = handle.pool;
      new Gauge({
        name: 'faceaug_db_pool_connections',
        help: 'connections the Postgres pool holds open, by state (busy: checked out by a query or transaction)',
        labelNames: ['state'],
        registers: this.registers,
        collect() {
          this.set({ state: 'idle' }, pool.idleCount);
          this.set({ state: 'busy' }, pool.totalCount - pool.idleCount);
        },
      });
      this.gauge('faceaug_db_pool_max_connections', 'the most connections the Postgres pool opens', () => pool.options.max ?? 10);
      this.gauge('faceaug_db_pool_waiting', 'queries waiting for a connection from the Postgres pool', () => pool.waitingCount);
    }

    // One backlog query at a time: while the database hangs, later scrapes wait on the query
    // already running (bounded by the pool's query timeout) instead of starting more.
    let running: Promise<JobBacklog> | undefined;
    const query = () => (running ??= jobBacklog(handle.db).finally(() => (running = undefined)));
    // One read per scrape, shared by the gauges below (prom-client collects them all at once).
    let reading: Promise<JobBacklog | undefined> | undefined;
    const read = () =>
      (reading ??= withDatabaseDeadline(query(), BACKLOG_DATABASE_WAIT_MS)
        .catch(() => undefined)
        .finally(() => (reading = undefined)));

    new Gauge({
      name: 'faceaug_db_up',
      help: `1 if the database answered this scrape's job-backlog query within ${BACKLOG_DATABASE_WAIT_MS} ms, else 0 (and the faceaug_job_backlog_* series are left out)`,
      registers: this.registers,
      async collect() {
        this.set((await read()) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'faceaug_job_backlog_items',
      help: 'job items in the database not finished yet, by status (pending: waiting for a worker; running: claimed)',
      labelNames: ['status'],
      registers: this.registers,
      async collect() {
        const backlog = await read();
        this.reset();
        if (!backlog) return;
        this.set({ status: 'pending' }, backlog.pending);
        this.set({ status: 'running' }, backlog.running);
      },
    });
    const unlabelled = (name: string, help: string, value: (backlog: JobBacklog) => number) =>
      new Gauge({
        name,
        help,
        registers: this.registers,
        async collect() {
          const backlog = await read();
          if (backlog) this.set(value(backlog));
          else this.remove();
        },
      });
    unlabelled('faceaug_job_backlog_jobs', 'jobs in the database with items not finished yet', (b) => b.unfinishedJobs);
    unlabelled('faceaug_job_backlog_oldest_seconds', 'age of the oldest unfinished job (0 when there is none)', (b) => b.oldestUnfinishedSeconds);
  }

  /** What a scrape reads: the process series and this server's. */
  registry(): Registry {
    return Registry.merge([processSeries(), this.own]);
  }
}
