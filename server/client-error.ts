import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from './log.js';
import { Problem, problemBody } from './problems.js';

/** Node's parser errors that are the client's doing, and the problem each becomes. */
function problemFor(error: NodeJS.ErrnoException): Problem {
  if (error.code === 'HPE_HEADER_OVERFLOW') return new Problem('headers-too-large', 'the request line and headers exceed 16 KiB');
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return new Problem('request-timeout', 'the request did not arrive within the server\'s time limit');
  return new Problem('bad-request', `the request cannot be parsed as HTTP/1.1 (${error.code ?? error.message})`);
}

/**
 * Answers a request Node's HTTP parser rejected before any route saw it with a problem body, as
 * every other error is answered; Node's default is a bare status line. A connection the client
 * already dropped is only closed.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, log: Logger): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const problem = problemFor(error);
  // No route was matched, so there is no instance to name.
  const { instance: _none, ...fields } = problemBody(problem, undefined, '');
  const body = JSON.stringify(fields);
  log.warn('unparseable request', { status: problem.status, code: error.code ?? null });
  socket.end(
    [
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}`,
      'Content-Type: application/problem+json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}
