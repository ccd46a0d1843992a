import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentInto } from '../../trainer/classifier/augment.js';
import { learningRateAt } from '../../trainer/classifier/schedule.js';
import { CLASSIFIER_OPTIONS, classifierSettings, RECIPE_SETTINGS } from '../../trainer/classifier/options.js';

test('learning-rate schedules: constant, and cosine with a 5% linear warm-up', () => {
  assert.equal(learningRateAt('constant', 0.1, 37, 100), 0.1);
  // 100 steps: warm-up over steps 0-4 (0.02, 0.04, ... 0.1), then 0.05 (1 + cos(pi (s - 5) / 95)).
  assert.ok(Math.abs(learningRateAt('cosine', 0.1, 0, 100) - 0.02) < 1e-12);
  assert.ok(Math.abs(learningRateAt('cosine', 0.1, 4, 100) - 0.1) < 1e-12);
  assert.ok(Math.abs(learningRateAt('cosine', 0.1, 5, 100) - 0.1) < 1e-12);
  assert.ok(Math.abs(learningRateAt('cosine', 0.1, 52.5, 100) - 0.05) < 1e-12);
  assert.ok(Math.abs(learningRateAt('cosine', 0.1, 99, 100) - 0.05 * (1 + Math.cos((Math.PI * 94) / 95))) < 1e-12);
});

test('augmentation: none copies, a flip mirrors rows, a shift repeats the border', () => {
  // 3 x 3 image 0..8 (bytes, so 255 = 1.0).
  const image = Uint8Array.from([0, 51, 102, 153, 204, 255, 0, 51, 102]);
  const out = new Float32Array(9);
  const draws = (...values: number[]) => () => values.shift()!;
  augmentInto(image, out, 3, { flip: false, shift: 0 }, draws());
  assert.deepEqual([...out], [0, 0.2, 0.4, 0.6, 0.8, 1, 0, 0.2, 0.4].map(Math.fround));
  // flip drawn (0.25 < 1/2); shift 0 draws nothing.
  augmentInto(image, out, 3, { flip: true, shift: 0 }, draws(0.25));
  assert.deepEqual([...out], [0.4, 0.2, 0, 1, 0.8, 0.6, 0.4, 0.2, 0].map(Math.fround));
  // no flip (0.75); shift 1: dy = floor(0.9 * 3) - 1 = +1 (down), dx = floor(0 * 3) - 1 = -1 (left).
  augmentInto(image, out, 3, { flip: true, shift: 1 }, draws(0.75, 0.9, 0));
  assert.deepEqual([...out], [0.2, 0.4, 0.4, 0.2, 0.4, 0.4, 0.8, 1, 1].map(Math.fround));
});

test('classifier settings: a recipe fills what the flags leave out; one flag per field', () => {
  assert.deepEqual(classifierSettings({}), { recipe: 'strong', ...RECIPE_SETTINGS.strong });
  assert.deepEqual(RECIPE_SETTINGS.strong, { ...RECIPE_SETTINGS.fast, epochs: 20, testFlip: true, members: 2 }, "strong is two networks of fast's recipe over the study's 20 epochs, scored with mirrors");
  assert.deepEqual(classifierSettings({ recipe: 'quick' }), { recipe: 'quick', ...RECIPE_SETTINGS.quick });
  assert.deepEqual(classifierSettings({ recipe: 'reference', epochs: 3, width: undefined }), { recipe: 'reference', ...RECIPE_SETTINGS.reference, epochs: 3 });
  // A use's defaults go over the recipe's, and a flag over both.
  assert.deepEqual(classifierSettings({}, { members: 1 }), { recipe: 'strong', ...RECIPE_SETTINGS.strong, members: 1 });
  assert.deepEqual(classifierSettings({ members: 3, recipe: 'fast' }, { members: 1, classBalance: 'none' }), { recipe: 'fast', ...RECIPE_SETTINGS.fast, members: 3, classBalance: 'none' });
  const fields = CLASSIFIER_OPTIONS.map((o) => o.field).sort();
  assert.deepEqual(fields, ['recipe', ...Object.keys(RECIPE_SETTINGS.reference)].sort());
  const parse = (flag: string, raw: string) => CLASSIFIER_OPTIONS.find((o) => o.flag.startsWith(flag))!.parse(raw);
  assert.equal(parse('--flip', 'no'), false);
  assert.throws(() => parse('--recipe', 'best'), /recipe/);
  assert.throws(() => parse('--label-smoothing', '1'), /label smoothing/);
  assert.equal(parse('--architecture', 'vgg'), 'vgg');
  assert.throws(() => parse('--architecture', 'resnet'), /architecture/);
  assert.throws(() => parse('--dropout', '1'), /dropout/);
  assert.equal(parse('--class-balance', 'logits'), 'logits');
});
