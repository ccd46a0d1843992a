import { type DetectedFace, FaceDetector } from './detector.js';

/**
 * Several face detector threads behind one `detect`: each wasm instance searches one photo at a
 * time on one core, so a server taking photos from many clients needs one per core it can give.
 * A photo goes to the thread with the fewest photos waiting.
 */
export class DetectorPool {
  private readonly waiting: number[];

  private constructor(private readonly detectors: FaceDetector[]) {
    this.waiting = detectors.map(() => 0);
  }

  /** Starts `threads` detectors; if one cannot start, the others are stopped and its error is thrown. */
  static async start(threads: number, minScore: number): Promise<DetectorPool> {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`a detector pool needs at least one thread, got ${threads}`);
    const started = await Promise.allSettled(Array.from({ length: threads }, () => FaceDetector.start(minScore)));
    const detectors = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(detectors.map((d) => d.close()));
      throw failed.reason;
    }
    return new DetectorPool(detectors);
  }

  get threads(): number {
    return this.detectors.length;
  }

  async detect(rgb: Uint8Array, width: number, height: number): Promise<DetectedFace[]> {
    const least = this.waiting.indexOf(Math.min(...this.waiting));
    this.waiting[least]!++;
    try {
      return await this.detectors[least]!.detect(rgb, width, height);
    } finally {
      this.waiting[least]!--;
    }
  }

  /** TensorFlow.js tensors alive on all the threads together (for leak checks). */
  async tensorCount(): Promise<number> {
    const counts = await Promise.all(this.detectors.map((d) => d.tensorCount()));
    return counts.reduce((sum, n) => sum + n, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.detectors.map((d) => d.close()));
  }
}
