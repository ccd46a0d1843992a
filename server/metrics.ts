/**
 * A small Prometheus registry (text exposition format 0.0.4): counters, gauges and histograms with
 * labels. The server needs a handful of series, which does not justify a dependency.
 */
type Labels = Record<string, string>;

const labelKey = (labels: Labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const renderLabels = (labels: Labels) => {
  const entries = Object.entries(labels);
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;
};

interface Metric {
  render(): string[];
}

export class Counter implements Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }

  render(): string[] {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`, ...[...this.values.values()].map((e) => `${this.name}${renderLabels(e.labels)} ${e.value}`)];
  }
}

/** A gauge read at scrape time, so it can never drift from the value it reports. */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
  ) {}

  render(): string[] {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${this.read()}`];
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { labels: Labels; buckets: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: number[],
  ) {}

  observe(value: number, labels: Labels = {}): void {
    const key = labelKey(labels);
    let entry = this.series.get(key);
    if (!entry) this.series.set(key, (entry = { labels, buckets: this.bounds.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]!) entry.buckets[i]!++;
    entry.sum += value;
    entry.count++;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, buckets, sum, count } of this.series.values()) {
      this.bounds.forEach((bound, i) => lines.push(`${this.name}_bucket${renderLabels({ ...labels, le: String(bound) })} ${buckets[i]}`));
      lines.push(`${this.name}_bucket${renderLabels({ ...labels, le: '+Inf' })} ${count}`);
      lines.push(`${this.name}_sum${renderLabels(labels)} ${sum}`);
      lines.push(`${this.name}_count${renderLabels(labels)} ${count}`);
    }
    return lines;
  }
}

const LATENCY_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The series this server exports; one instance per server, so tests can run several side by side. */
export class ServerMetrics {
  readonly requestDuration = new Histogram('faceaug_http_request_duration_seconds', 'HTTP request latency by route, method and status', LATENCY_BOUNDS);
  readonly batchSize = new Histogram('faceaug_inference_batch_size', 'images per onnxruntime call', [1, 2, 4, 8, 16, 32, 64, 128]);
  readonly inferenceDuration = new Histogram('faceaug_inference_duration_seconds', 'onnxruntime call time by translator', LATENCY_BOUNDS);
  readonly shed = new Counter('faceaug_requests_shed_total', 'requests refused for overload, by reason');
  readonly jobItems = new Counter('faceaug_job_items_total', 'bulk job items finished by this process, by outcome');
  private readonly gauges: Gauge[] = [];

  gauge(name: string, help: string, read: () => number): void {
    this.gauges.push(new Gauge(name, help, read));
  }

  render(): string {
    const metrics: Metric[] = [this.requestDuration, this.batchSize, this.inferenceDuration, this.shed, this.jobItems, ...this.gauges];
    return `${metrics.flatMap((m) => m.render()).join('\n')}\n`;
  }
}
