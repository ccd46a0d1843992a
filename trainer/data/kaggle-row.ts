import { FACE_PIXELS } from '../../core/image-codec.js';
import { NUM_EXPRESSIONS } from '../../core/expressions.js';
import { USAGES, usageIndex } from './format.js';

export interface ParsedRow {
  label: number;
  /** The original row number, from the `row` column that `faceaug data export` adds. */
  row?: number;
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
    if (count === FACE_PIXELS) throw new InvalidRowError(`more than ${FACE_PIXELS} pixels`);
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
  if (count !== FACE_PIXELS) throw new InvalidRowError(`${count} pixels, expected ${FACE_PIXELS}`);
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

/** The columns of a Kaggle CSV: the original three, or those plus the `row` column of an export. */
export type KaggleColumns = 3 | 4;

/** Parses one `emotion,pixels,Usage[,row]` data line; throws InvalidRowError when it breaks the layout. */
export function parseKaggleRow(line: string, pixels: Uint8Array, columns: KaggleColumns = 3): ParsedRow {
  const fields = line.replace(/\r$/, '').split(',');
  if (fields.length !== columns) throw new InvalidRowError(`${fields.length} columns, expected ${columns} (${HEADERS[columns]})`);
  const label = parseLabel(fields[0]!.trim());
  parsePixels(fields[1]!.trim(), pixels);
  const usage = parseUsage(fields[2]!.trim());
  if (columns === 3) return { label, usage, pixels };
  const rowField = fields[3]!.trim();
  const row = /^\d+$/.test(rowField) ? Number(rowField) : NaN;
  if (!(row >= 1)) throw new InvalidRowError(`row '${rowField}' is not a positive integer`);
  return { label, usage, pixels, row };
}

const HEADERS: Record<KaggleColumns, string> = { 3: 'emotion,pixels,Usage', 4: 'emotion,pixels,Usage,row' };

/** Reads the header, so a reordered file fails up front; says whether rows carry their original number. */
export function parseKaggleHeader(line: string): KaggleColumns {
  const columns = line.replace(/\r$/, '').split(',').map((c) => c.trim().toLowerCase()).join(',');
  for (const [count, header] of Object.entries(HEADERS)) if (columns === header.toLowerCase()) return Number(count) as KaggleColumns;
  throw new InvalidRowError(`header is '${line.trim()}', expected '${HEADERS[3]}' (or '${HEADERS[4]}')`);
}
