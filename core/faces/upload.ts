import { FACE_SIZE, decodeFace } from '../image-codec.js';
import type { FaceOption } from './face-options.js';
import type { AlignedFace, FacePipeline } from './pipeline.js';
import { type Photo, decodePhoto, photoSize } from './photo.js';

/** What an upload holds for a translator: one face as it came, or a photo and the faces aligned out of it. */
export type UploadFaces = { kind: 'face'; pixels: Uint8Array } | { kind: 'photo'; photo: Photo; faces: AlignedFace[] };

/**
 * The one rule every entry point (translate, bulk jobs, `data import --align`) follows: a 48x48
 * image is a face already framed like FER2013's and is never searched, so data set builders get
 * exactly today's faces back; faces=none takes any image's centred square without detection;
 * anything else is searched, and a photo without a face is a NoFaceError.
 */
export async function readUploadFaces(pipeline: FacePipeline, bytes: Uint8Array, option: FaceOption, limits: { maxPixels?: number } = {}): Promise<UploadFaces> {
  const { width, height } = await photoSize(bytes);
  if (option === 'none' || (width === FACE_SIZE && height === FACE_SIZE)) return { kind: 'face', pixels: await decodeFace(bytes, limits) };
  const photo = await decodePhoto(bytes, limits);
  return { kind: 'photo', photo, faces: await pipeline.align(photo, option) };
}
