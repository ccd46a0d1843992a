/**
 * Averaging all-reduce for replicas on worker threads, over one SharedArrayBuffer.
 *
 * Every replica writes its vector into its own slot; after a barrier, replica r sums the r-th
 * slice of all slots (always in slot order, so the result is bit-identical for everyone) into a
 * shared result; after a second barrier all replicas read the same averaged vector. Replicas
 * that apply it with identical optimisers therefore keep identical weights.
 */
const CONTROL_INTS = 4;
const COUNT = 0;
const GENERATION = 1;
const ABORTED = 2;
/** How long a replica waits for the others before concluding that one of them died. */
const BARRIER_TIMEOUT_MS = 10 * 60 * 1000;

export function allReduceBufferBytes(size: number, capacity: number): number {
  return CONTROL_INTS * 4 + (size + 1) * capacity * 4;
}

export class AllReduceAborted extends Error {
  constructor(reason: string) {
    super(`all-reduce aborted: ${reason}`);
  }
}

export class AllReduce {
  private readonly control: Int32Array;
  private readonly slots: Float32Array[];
  private readonly result: Float32Array;

  constructor(
    buffer: SharedArrayBuffer,
    private readonly rank: number,
    private readonly size: number,
    private readonly capacity: number,
  ) {
    if (buffer.byteLength < allReduceBufferBytes(size, capacity)) throw new RangeError('all-reduce buffer too small');
    this.control = new Int32Array(buffer, 0, CONTROL_INTS);
    const offset = CONTROL_INTS * 4;
    this.slots = Array.from({ length: size }, (_, r) => new Float32Array(buffer, offset + r * capacity * 4, capacity));
    this.result = new Float32Array(buffer, offset + size * capacity * 4, capacity);
  }

  /** The element-wise mean of `values` over all replicas. Blocks until every replica has called it. */
  mean(values: Float32Array): Float32Array {
    if (this.size === 1) return values;
    const n = values.length;
    if (n > this.capacity) throw new RangeError(`all-reduce of ${n} values exceeds capacity ${this.capacity}`);
    this.slots[this.rank]!.set(values);
    this.barrier();
    const chunk = Math.ceil(n / this.size);
    const lo = Math.min(n, this.rank * chunk);
    const hi = Math.min(n, lo + chunk);
    const scale = 1 / this.size;
    const first = this.slots[0]!;
    for (let i = lo; i < hi; i++) {
      let sum = first[i]!;
      for (let r = 1; r < this.size; r++) sum += this.slots[r]![i]!;
      this.result[i] = sum * scale;
    }
    this.barrier();
    return this.result.slice(0, n);
  }

  /** Wakes every replica blocked in {@link mean} with an error, e.g. when one replica failed. */
  abort(): void {
    Atomics.store(this.control, ABORTED, 1);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
  }

  private barrier(): void {
    const generation = Atomics.load(this.control, GENERATION);
    if (Atomics.load(this.control, ABORTED)) throw new AllReduceAborted('another replica failed');
    if (Atomics.add(this.control, COUNT, 1) === this.size - 1) {
      Atomics.store(this.control, COUNT, 0);
      Atomics.add(this.control, GENERATION, 1);
      Atomics.notify(this.control, GENERATION);
      return;
    }
    while (Atomics.load(this.control, GENERATION) === generation) {
      if (Atomics.wait(this.control, GENERATION, generation, BARRIER_TIMEOUT_MS) === 'timed-out') {
        this.abort();
        throw new AllReduceAborted(`no answer from the other replicas in ${BARRIER_TIMEOUT_MS / 1000} s`);
      }
    }
    if (Atomics.load(this.control, ABORTED)) throw new AllReduceAborted('another replica failed');
  }
}
