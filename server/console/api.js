// The console's only way to the server: the public HTTP API, with the key from key.js.
import { currentKey } from './key.js';

/** A problem+json answer (RFC 9457), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.type = problem.type ?? '';
    this.title = problem.title ?? '';
    this.detail = problem.detail ?? '';
    this.requestId = problem.requestId;
  }
}

/**
 * fetch() of an API path with the key as a bearer token; resolves to the Response when it is a
 * 2xx and rejects with an ApiError (the server's problem) otherwise.
 */
export async function request(path, { method = 'GET', body, headers = {} } = {}) {
  const key = currentKey();
  let response;
  try {
    response = await fetch(path, { method, body, headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...headers } });
  } catch (error) {
    throw new ApiError(0, { title: 'The server cannot be reached', detail: `the request did not get an answer (${error.message}); check that the server is running` });
  }
  if (response.ok) return response;
  const text = await response.text();
  let problem;
  try {
    problem = JSON.parse(text);
  } catch {
    problem = { title: response.statusText, detail: text.slice(0, 300) };
  }
  throw new ApiError(response.status, problem);
}

export const getJson = async (path) => (await request(path)).json();

export const postJson = async (path, body) =>
  (await request(path, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } })).json();

/**
 * What a person should read for an error: the server's own detail, with the next step for the
 * answers that have one (a missing or weak key, a stale view, a busy server).
 */
export function explain(error, action = 'do this') {
  if (!(error instanceof ApiError)) return `Something went wrong in the page: ${error?.message ?? error}`;
  const detail = error.detail ? ` The server said: ${error.detail}${/[.!?]$/.test(error.detail) ? '' : '.'}` : '';
  const id = error.requestId ? ` (request ${error.requestId})` : '';
  switch (error.status) {
    case 0:
      return `${error.title}: ${error.detail}.`;
    case 401:
      return currentKey()
        ? `The server did not accept your API key, so it refused to ${action}. Enter a valid key above.${detail}`
        : `An API key is needed to ${action}. Enter one in the API key field above.${detail}`;
    case 403:
      return `Your API key may not ${action}: it lacks the scope this needs (an admin key is made with \`faceaug keys create --scope admin\`).${detail}`;
    case 409:
      return `Refused, nothing was changed: the registry no longer looks the way this page showed it.${detail} The view below is now up to date; check it and try again.`;
    case 429:
    case 503:
      return `The server is busy and could not ${action} now; try again in a moment.${detail}${id}`;
    default:
      return `Could not ${action} (${error.status} ${error.title}).${detail}${id}`;
  }
}
