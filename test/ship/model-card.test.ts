import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cardPath } from '../../trainer/ship/model-card.js';

test('a model card names files relative to the repository, never by a path of the machine it was made on', () => {
  assert.equal(cardPath('models/neutral-to-disgust/training/checkpoint.bin.gz'), 'models/neutral-to-disgust/training/checkpoint.bin.gz');
  assert.equal(cardPath('/home/someone/scratch/surprise.bin.gz'), 'surprise.bin.gz');
});
