import { NUM_EXPRESSIONS } from '../../core/expressions.js';
import { PIXELS_PER_IMAGE, USAGES, usageIndex } from './format.js';

export interface ParsedRow {
  label: number;
  usage: number;
  /** The row's grey levels, written into the caller's buffer. */
  pixels: Uint8Array;
}

/** A data row that breaks the Kaggle layout; `reason` says how, without the file and line. */
export class InvalidRowError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const SPACE = 32;
const ZERO = 48;
const NINE = 57;

/**
 * Parses the space-separated pixel field into `out` by scanning char codes: the CSV holds 80 M
 * numbers, and split/Number would allocate a string per pixel.
 */
function parsePixels(field: string, out: Uint8Array): void {
  let count = 0;
  let value = -1;
  const push = () => {
    if (count === PIXELS_PER_IMAGE) throw new InvalidRowError(`more than ${PIXELS_PER_IMAGE} pixels`);
    out[count++] = value;
    value = -1;
  };
  for (let i = 0; i < field.length; i++) {
    const code = field.charCodeAt(i);
    if (code >= ZERO && code <= NINE) {
      value = value < 0 ? code - ZERO : value * 10 + (code - ZERO);
      if (value > 255) throw new InvalidRowError(`pixel ${count + 1} is outside 0-255`);
    } else if (code === SPACE) {
      if (value >= 0) push();
    } else {
      const start = field.lastIndexOf(' ', i) + 1;
      const end = field.indexOf(' ', i);
      const token = field.slice(start, end < 0 ? undefined : end);
      throw new InvalidRowError(`pixel ${count + 1} is not an integer in 0-255: '${token}'`);
    }
  }
  if (value >= 0) push();
  if (count !== PIXELS_PER_IMAGE) throw new InvalidRowError(`${count} pixels, expected ${PIXELS_PER_IMAGE}`);
}

function parseLabel(field: string): number {
  const label = /^\d+$/.test(field) ? Number(field) : NaN;
  if (!(label < NUM_EXPRESSIONS)) throw new InvalidRowError(`unknown emotion label '${field}' (expected 0-${NUM_EXPRESSIONS - 1})`);
  return label;
}

function parseUsage(field: string): number {
  const usage = usageIndex(field);
  if (usage < 0) throw new InvalidRowError(`unknown Usage '${field}' (expected ${USAGES.join(', ')})`);
  return usage;
}

/** Parses one `emotion,pixels,Usage` data line; throws InvalidRowError when it breaks the layout. */
export function parseKaggleRow(line: string, pixels: Uint8Array): ParsedRow {
  const fields = line.replace(/\r$/, '').split(',');
  if (fields.length !== 3) throw new InvalidRowError(`${fields.length} columns, expected 3 (emotion,pixels,Usage)`);
  const label = parseLabel(fields[0]!.trim());
  parsePixels(fields[1]!.trim(), pixels);
  const usage = parseUsage(fields[2]!.trim());
  return { label, usage, pixels };
}

/** Checks the header names the columns the parser expects, so a reordered file fails up front. */
export function checkKaggleHeader(line: string): void {
  const columns = line.replace(/\r$/, '').split(',').map((c) => c.trim().toLowerCase());
  if (columns.join(',') !== 'emotion,pixels,usage') {
    throw new InvalidRowError(`header is '${line.trim()}', expected 'emotion,pixels,Usage'`);
  }
}
