import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { linePlotPng, linePlotSvg, logTicks, niceTicks } from '../../trainer/report/line-plot.js';
import { imageGridPng } from '../../trainer/report/image-grid.js';

test('axis ticks are round numbers', () => {
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(3, 97), [20, 40, 60, 80]);
  // 0.2 .. 30 spans two decades: powers of ten only.
  assert.deepEqual(logTicks(Math.log10(0.2), Math.log10(30)).map((t) => Number((10 ** t).toPrecision(3))), [1, 10]);
  // Within one decade, 1-2-5 steps.
  assert.deepEqual(logTicks(Math.log10(0.15), Math.log10(0.9)).map((t) => Number((10 ** t).toPrecision(3))), [0.2, 0.5]);
});

test('line plot renders a PNG with one line per series and escapes labels', async () => {
  const series = [
    { name: 'a<b', points: [[0, 1], [1, 2], [2, 1.5]] as Array<[number, number]> },
    { name: 'c', points: [[0, 0.5], [1, Number.NaN], [2, 0.7]] as Array<[number, number]> },
  ];
  const svg = linePlotSvg(series, { title: 'T & U', xLabel: 'x', yLabel: 'y' });
  assert.equal((svg.match(/<polyline/g) ?? []).length, 2);
  assert.match(svg, /a&#60;b/);
  assert.match(svg, /T &#38; U/);
  const meta = await sharp(await linePlotPng(series, { title: 't', xLabel: 'x', yLabel: 'y', width: 400, height: 300 })).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 400, 300]);
});

test('a series with markers gets a dot per point and in the legend, so one point shows', () => {
  const svg = linePlotSvg(
    [
      { name: 'line', points: [[0, 1], [1, 2]] },
      { name: 'dots', points: [[0, 0.5], [1, Number.NaN], [2, 0.7]], marker: true },
      { name: 'one', points: [[1, 1.5]], marker: true },
    ],
    { title: 't', xLabel: 'x', yLabel: 'y' },
  );
  assert.equal((svg.match(/<circle/g) ?? []).length, 2 + 1 + 1 + 1);
});

test('image grid tiles grey images at the requested scale', async () => {
  const black = new Uint8Array(4).fill(0);
  const white = new Uint8Array(4).fill(255);
  const png = await imageGridPng([[black, white], [white]], { side: 2, gap: 1, scale: 2 });
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [1 + 2 * 5, 1 + 2 * 5]);
  assert.equal(data[(1 * info.width + 1) * info.channels], 0, 'first cell is the black image');
});
