/** Parsers of command-line values that reject bad input with the value's name in the message. */
export const number = (name: string, check: (v: number) => boolean) => (raw: string) => {
  const value = Number(raw);
  if (!Number.isFinite(value) || !check(value)) throw new Error(`invalid ${name} '${raw}'`);
  return value;
};

export const integer = (name: string, min: number) => number(name, (v) => Number.isInteger(v) && v >= min);

export const fraction = (name: string) => number(name, (v) => v >= 0 && v <= 1);

export const oneOf =
  <T extends string>(name: string, values: readonly T[]) =>
  (raw: string): T => {
    if ((values as readonly string[]).includes(raw)) return raw as T;
    throw new Error(`invalid ${name} '${raw}' (expected ${values.join(', ')})`);
  };

/** A comma-separated list of `values`, each at most once. */
export const listOf =
  <T extends string>(name: string, values: readonly T[]) =>
  (raw: string): T[] => {
    const items = raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
    if (items.length === 0) throw new Error(`invalid ${name} '${raw}' (expected one or more of ${values.join(', ')})`);
    return [...new Set(items.map(oneOf(name, values)))];
  };

export const yesNo = (name: string) => (raw: string) => {
  const lower = raw.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(lower)) return true;
  if (['false', 'no', 'off', '0'].includes(lower)) return false;
  throw new Error(`invalid ${name} '${raw}' (expected true or false)`);
};
