import { sniffFormat, UnsupportedImageError } from '../../core/image-codec.js';
import { mediaType } from '../jobs/uploads.js';
import { Problem } from '../problems.js';

const RAW_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/octet-stream'];

/**
 * The uploaded image of a translate request: the raw body (an image media type, or octet-stream
 * and let the bytes tell) or the `image` field of a multipart form. The bytes must really be
 * JPEG, PNG or WebP whatever the header claimed.
 */
export async function readImageBody(request: Request): Promise<Uint8Array> {
  const type = mediaType(request.headers.get('content-type') ?? undefined);
  let bytes: Uint8Array;
  if (type === 'multipart/form-data') {
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      throw new Problem('bad-request', 'the multipart body cannot be parsed');
    }
    const image = form.get('image');
    if (image === null) throw new Problem('bad-request', "the multipart body has no 'image' field");
    if (typeof image === 'string') throw new Problem('bad-request', "the 'image' field must be a file upload");
    bytes = new Uint8Array(await image.arrayBuffer());
  } else if (RAW_TYPES.includes(type)) {
    bytes = new Uint8Array(await request.arrayBuffer());
  } else {
    throw new Problem('unsupported-media-type', `send the image as ${RAW_TYPES.join(', ')} or multipart/form-data with an 'image' field, not '${type || 'no content type'}'`);
  }
  if (bytes.length === 0) throw new Problem('bad-request', 'the request has no image');
  if (!sniffFormat(bytes)) throw new UnsupportedImageError(`the uploaded bytes are not a JPEG, PNG or WebP image (declared as ${type})`);
  return bytes;
}
