import * as ort from 'onnxruntime-node';
import { FACE_PIXELS, FACE_SIZE } from '../../core/image-codec.js';
import { IntegrityError } from '../../db/errors.js';
import { type ModelRef, formatRef } from '../../db/registry.js';

/** The exporter's contract (trainer/export/io-contract.ts), restated because the server never imports the trainer. */
const INPUT = 'input';
const OUTPUT = 'output';

/**
 * One onnxruntime session over a registered generator. Calls are serialised: two concurrent runs
 * would only split the same cores, and one run at a time is what lets batches grow under load.
 */
export class OnnxModel {
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly ref: ModelRef,
    readonly sha256: string,
    private readonly session: ort.InferenceSession,
  ) {}

  static async load(ref: ModelRef, sha256: string, path: string, threads: number, provider: string): Promise<OnnxModel> {
    const session = await ort.InferenceSession.create(path, {
      executionProviders: [provider],
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      ...(threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    });
    if (!session.inputNames.includes(INPUT) || !session.outputNames.includes(OUTPUT)) {
      await session.release();
      throw new IntegrityError(
        `${formatRef(ref)}: the ONNX graph has inputs [${session.inputNames}] and outputs [${session.outputNames}], expected '${INPUT}' and '${OUTPUT}'`,
      );
    }
    return new OnnxModel(ref, sha256, session);
  }

  /** Runs `count` faces packed NCHW in [-1, 1]; returns the outputs packed the same way. */
  run(batch: Float32Array, count: number): Promise<Float32Array> {
    const result = this.tail.then(async () => {
      const input = new ort.Tensor('float32', batch.subarray(0, count * FACE_PIXELS), [count, 1, FACE_SIZE, FACE_SIZE]);
      const outputs = await this.session.run({ [INPUT]: input });
      const output = outputs[OUTPUT]!;
      if (output.data.length !== count * FACE_PIXELS) {
        throw new IntegrityError(`${formatRef(this.ref)}: output shape [${output.dims}] is not [${count}, 1, ${FACE_SIZE}, ${FACE_SIZE}]`);
      }
      return output.data as Float32Array;
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Releases the session once every run already queued on it has finished. */
  async close(): Promise<void> {
    await this.tail;
    await this.session.release();
  }
}
