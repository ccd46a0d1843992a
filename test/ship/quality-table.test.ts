import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qualityTable, type MeasuredQuality } from '../../trainer/ship/quality-table.js';

const labels = { angry: 0, disgust: 0.4, fear: 0, happy: 0, sad: 0.3, surprise: 0, neutral: 0.3 };

function quality(targetRate: number, ssim: number, judgeSha = 'abcdef0123456789'): MeasuredQuality {
  return {
    target: 'disgust',
    expression: { count: 200, targetRate, meanTargetProbability: targetRate / 2, labels },
    ceiling: { count: 56, targetRate: 0.661, meanTargetProbability: 0.5, labels },
    identity: { ssim, meanAbsoluteDifference: 21.64 },
    realism: { mean: 3.163, std: 0.228, subsets: 50, subsetSize: 200 },
    judge: { id: 2, sha256: judgeSha },
    sources: { split: 'PublicTest', count: 200, seed: 1 },
  };
}

test('the quality table puts a translator beside the one it replaces and the ceiling, measured alike', () => {
  const table = qualityTable([
    { label: 'this version (run 3, step 750)', quality: quality(0.52, 0.64) },
    { label: 'previously shipped translator', quality: quality(0.295, 0.776) },
  ]);
  const lines = table.split('\n');
  assert.equal(lines[0], '| translator | read as disgust | most common other reading | mean p(disgust) | SSIM to input | MAD | KID (± sd over 50 subsets) |');
  // The runner-up label leaves the target out, whatever its share: sad and neutral tie at 30%, the first wins.
  assert.equal(lines[2], '| this version (run 3, step 750) | 52.0% | sad 30.0% | 0.260 | 0.640 | 21.6 | 3.16 ± 0.23 |');
  assert.equal(lines[3], '| previously shipped translator | 29.5% | sad 30.0% | 0.147 | 0.776 | 21.6 | 3.16 ± 0.23 |');
  assert.equal(lines[4], '| real PublicTest disgust faces (the ceiling) | 66.1% | sad 30.0% | 0.500 | | | |');
  assert.match(table, /200 held-out PublicTest source faces \(seed 1\), read by judge 2 \(sha256 `abcdef012345`\)/);
  assert.throws(
    () => qualityTable([{ label: 'new', quality: quality(0.5, 0.6) }, { label: 'old', quality: quality(0.3, 0.7, 'ffff') }]),
    /'old' was measured with another judge or other held-out faces than 'new'/,
  );
  assert.throws(() => qualityTable([]), /at least one row/);
});
