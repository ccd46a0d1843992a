import { parentPort, workerData } from 'node:worker_threads';
import { loadFaceApi } from './face-api.js';
import type { DetectorReady, DetectorRequest, DetectorResponse, DetectorWorkerData } from './detector.js';

/**
 * The face detector's thread: face-api's SSD MobileNet v1 and 68-point landmark network on
 * TensorFlow.js's wasm backend (XNNPACK, SIMD), set here and only here, so the detector never
 * changes the backend a trainer chose on its own thread, and never runs on the pure-JS cpu
 * backend, which is hundreds of times slower.
 */
const port = parentPort!;
const { minScore } = workerData as DetectorWorkerData;

try {
  const { api, modelDir } = loadFaceApi();
  const tf = api.tf;
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs could not initialise the wasm backend');
  await tf.ready();
  await api.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await api.nets.faceLandmark68Net.loadFromDisk(modelDir);
  port.postMessage({ type: 'ready', backend: tf.getBackend() } satisfies DetectorReady);

  const options = new api.SsdMobilenetv1Options({ minConfidence: minScore });
  port.on('message', async (request: DetectorRequest) => {
    if (request.type === 'tensors') {
      port.postMessage({ id: request.id, ok: true, faces: [], tensors: tf.memory().numTensors } satisfies DetectorResponse);
      return;
    }
    const input = tf.tensor3d(request.rgb, [request.height, request.width, 3], 'int32');
    try {
      const found = await api.detectAllFaces(input, options).withFaceLandmarks();
      const faces = found.map(({ detection, landmarks }) => ({
        box: { x: detection.box.x, y: detection.box.y, width: detection.box.width, height: detection.box.height },
        score: detection.score,
        landmarks: landmarks.positions.map((p) => ({ x: p.x, y: p.y })),
      }));
      port.postMessage({ id: request.id, ok: true, faces, tensors: tf.memory().numTensors } satisfies DetectorResponse);
    } catch (error) {
      port.postMessage({ id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) } satisfies DetectorResponse);
    } finally {
      input.dispose();
    }
  });
} catch (error) {
  port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies DetectorReady);
}
