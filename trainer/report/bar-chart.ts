import sharp from 'sharp';
import { chartOpening, escape, niceTicks } from './line-plot.js';

export interface BarSeries {
  name: string;
  values: number[];
  /** Half-length of each bar's error bar (e.g. one standard deviation); NaN or absent draws none. */
  errors?: number[];
}

export interface BarChartOptions {
  title: string;
  yLabel: string;
  /** One label per group of bars. */
  categories: string[];
  /** Fixed y range; defaults to 0 .. the largest bar plus its error. */
  yMin?: number;
  yMax?: number;
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];

/** Grouped bars as SVG: one group per category, one coloured bar per series, error bars, a legend. */
export function barChartSvg(series: BarSeries[], options: BarChartOptions): string {
  const width = options.width ?? 800;
  const height = options.height ?? 420;
  const margin = { left: 70, right: 150, top: 40, bottom: 50 };
  const tops = series.flatMap((s) => s.values.map((v, i) => v + (Number.isFinite(s.errors?.[i]) ? s.errors![i]! : 0))).filter(Number.isFinite);
  const y0 = options.yMin ?? 0;
  const y1 = options.yMax ?? Math.max(y0 + 1e-9, ...tops);
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const py = (y: number) => height - margin.bottom - ((Math.min(Math.max(y, y0), y1) - y0) / (y1 - y0)) * plotHeight;
  const group = plotWidth / options.categories.length;
  const bar = (group * 0.8) / series.length;
  const parts = chartOpening(width, height, options.title);
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${py(t)}" y2="${py(t)}" stroke="#eee"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${py(t) + 4}" text-anchor="end">${Number(t.toPrecision(3))}</text>`);
  }
  options.categories.forEach((category, c) => {
    const x = margin.left + c * group;
    parts.push(`<text x="${x + group / 2}" y="${height - margin.bottom + 16}" text-anchor="middle">${escape(category)}</text>`);
    series.forEach((s, k) => {
      const value = s.values[c]!;
      if (!Number.isFinite(value)) return;
      const left = x + group * 0.1 + k * bar;
      parts.push(`<rect x="${left.toFixed(1)}" y="${py(value).toFixed(1)}" width="${(bar * 0.9).toFixed(1)}" height="${(py(y0) - py(value)).toFixed(1)}" fill="${COLORS[k % COLORS.length]}"/>`);
      const error = s.errors?.[c];
      if (error !== undefined && Number.isFinite(error) && error > 0) {
        const mid = (left + bar * 0.45).toFixed(1);
        const [top, bottom] = [py(value + error).toFixed(1), py(value - error).toFixed(1)];
        parts.push(`<line x1="${mid}" x2="${mid}" y1="${top}" y2="${bottom}" stroke="#222"/>`);
        for (const y of [top, bottom]) parts.push(`<line x1="${(left + bar * 0.3).toFixed(1)}" x2="${(left + bar * 0.6).toFixed(1)}" y1="${y}" y2="${y}" stroke="#222"/>`);
      }
    });
  });
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333"/>`,
    `<text transform="translate(18 ${(margin.top + height - margin.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(options.yLabel)}</text>`,
  );
  series.forEach((s, k) => {
    const ly = margin.top + 10 + k * 18;
    parts.push(`<rect x="${width - margin.right + 12}" y="${ly - 6}" width="20" height="12" fill="${COLORS[k % COLORS.length]}"/>`);
    parts.push(`<text x="${width - margin.right + 38}" y="${ly + 4}">${escape(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function barChartPng(series: BarSeries[], options: BarChartOptions): Promise<Buffer> {
  return sharp(Buffer.from(barChartSvg(series, options))).png().toBuffer();
}
