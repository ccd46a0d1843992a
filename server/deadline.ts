/** A database call that did not answer in time; reads as "unavailable" to isDatabaseUnavailable, as a hung database is. */
class DatabaseTimeout extends Error {
  override name = 'DatabaseTimeout';
  readonly code = 'ETIMEDOUT';
}

/**
 * `work`, or a DatabaseTimeout after `ms`: for answers that cannot wait for the pool's own query
 * timeout (a readiness probe, a key re-check). The query itself runs on, bounded by that timeout.
 */
export function withDatabaseDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseTimeout(`the database did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
