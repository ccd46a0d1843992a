import { bodyLimit } from 'hono/body-limit';
import { Problem } from '../problems.js';

/** Refuses a body over `maxBytes` with 413, from Content-Length before reading it when the client sends one. */
export const limitBody = (maxBytes: number, what: string) =>
  bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new Problem('payload-too-large', `${what} may be at most ${maxBytes} bytes`);
    },
  });
