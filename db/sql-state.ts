/**
 * The SQLSTATE of a failed query on either driver. drizzle wraps driver errors in its own
 * DrizzleQueryError, so the code sits somewhere down the `cause` chain.
 */
export function sqlState(error: unknown): string | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export const UNIQUE_VIOLATION = '23505';
