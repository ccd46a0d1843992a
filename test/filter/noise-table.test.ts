import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatNoiseMatrix } from '../../trainer/filter/noise-table.js';

test('noise matrix table: given labels down, true labels across, the prior below', () => {
  assert.deepEqual(formatNoiseMatrix({ noiseMatrix: [[0.75, 0.1], [0.25, 0.9]], truePrior: [0.4, 0.6] }).split('\n'), [
    'given\\true      angry  disgust',
    'angry           0.750    0.100',
    'disgust         0.250    0.900',
    'true prior      0.400    0.600',
  ]);
});
