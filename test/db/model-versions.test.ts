import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConflictError, IntegrityError, NotFoundError, ValidationError } from '../../db/errors.js';
import { getModelVersion, listModelVersions, registerModelVersion, setModelStatus } from '../../db/registry.js';
import { sha256Hex } from '../../db/artifacts.js';
import { dbTest, rawQuery } from './databases.js';
import { NEUTRAL_HAPPY, NEUTRAL_SAD, onnxBytes } from './fixtures.js';

dbTest('version numbers count up per translator, also under concurrent registration', async ({ db }) => {
  const happy = await Promise.all(
    Array.from({ length: 8 }, (_, i) => registerModelVersion(db, { ...NEUTRAL_HAPPY, artifacts: [{ kind: 'onnx', bytes: onnxBytes(i) }] })),
  );
  assert.deepEqual(happy.map((v) => v.version).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8]);
  const sad = await registerModelVersion(db, { ...NEUTRAL_SAD, artifacts: [{ kind: 'onnx', bytes: onnxBytes(0) }] });
  assert.equal(sad.version, 1, 'each translator has its own numbering');
  const ninth = await registerModelVersion(db, { ...NEUTRAL_HAPPY, artifacts: [{ kind: 'onnx', bytes: onnxBytes(9) }] });
  assert.equal(ninth.version, 9);
  assert.deepEqual((await listModelVersions(db, NEUTRAL_HAPPY)).map((v) => v.version), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

dbTest('artifacts come back byte for byte with their sha256, from the database or a file: URI', async ({ db }, t) => {
  const dir = await mkdtemp(join(tmpdir(), 'faceaug-artifact-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const checkpoint = Buffer.from('tfjs checkpoint bytes');
  writeFileSync(join(dir, 'ckpt.bin'), checkpoint);
  const uri = pathToFileURL(join(dir, 'ckpt.bin')).toString();
  const registered = await registerModelVersion(db, {
    ...NEUTRAL_HAPPY,
    metrics: { fid: 41.5, accuracyGain: 0.012 },
    report: '# validation\nall good',
    artifacts: [{ kind: 'onnx', bytes: onnxBytes(1) }, { kind: 'tfjs', uri }],
  });
  assert.equal(registered.status, 'candidate');
  assert.deepEqual(
    registered.artifacts,
    [
      { kind: 'onnx', sha256: sha256Hex(onnxBytes(1)), sizeBytes: onnxBytes(1).length, uri: null },
      { kind: 'tfjs', sha256: sha256Hex(checkpoint), sizeBytes: checkpoint.length, uri },
    ],
  );
  const loaded = await getModelVersion(db, { ...NEUTRAL_HAPPY, version: 1 });
  assert.deepEqual(loaded.metrics, { fid: 41.5, accuracyGain: 0.012 });
  assert.equal(loaded.report, '# validation\nall good');
  assert.deepEqual(loaded.verified.map((a) => [a.kind, a.bytes]), [['onnx', onnxBytes(1)], ['tfjs', checkpoint]]);
  const onnxOnly = await getModelVersion(db, { ...NEUTRAL_HAPPY, version: 1 }, { kinds: ['onnx'] });
  assert.deepEqual(onnxOnly.verified.map((a) => a.kind), ['onnx']);

  writeFileSync(join(dir, 'ckpt.bin'), 'tampered');
  await assert.rejects(getModelVersion(db, { ...NEUTRAL_HAPPY, version: 1 }), IntegrityError);
});

dbTest('a corrupted artifact is refused on read', async (handle) => {
  const { db } = handle;
  await registerModelVersion(db, { ...NEUTRAL_HAPPY, artifacts: [{ kind: 'onnx', bytes: onnxBytes(1) }] });
  // Real corruption does not go through SQL; the guard trigger has to step aside to simulate it.
  await rawQuery(handle, 'alter table model_artifacts disable trigger model_artifacts_immutable');
  await rawQuery(handle, `update model_artifacts set content = overlay(content placing '\\xff'::bytea from 10 for 1)`);
  await rawQuery(handle, 'alter table model_artifacts enable trigger model_artifacts_immutable');
  await assert.rejects(getModelVersion(db, { ...NEUTRAL_HAPPY, version: 1 }), (error: unknown) => {
    assert.ok(error instanceof IntegrityError);
    assert.match(error.message, /onnx artifact of neutral->happy v1 is corrupt: sha256 [0-9a-f]{64} .* registered [0-9a-f]{64}/);
    return true;
  });
  const [listed] = await listModelVersions(db);
  assert.equal(listed!.version, 1, 'listing (no bytes) still works, so operators can see and archive it');
});

dbTest('registered versions are immutable except for their status', async (handle) => {
  const { db } = handle;
  await registerModelVersion(db, { ...NEUTRAL_HAPPY, metrics: { fid: 40 }, artifacts: [{ kind: 'onnx', bytes: onnxBytes(1) }] });
  await assert.rejects(rawQuery(handle, `update model_versions set metrics = '{"fid": 1}'`), /immutable: only its status may change/);
  await assert.rejects(rawQuery(handle, 'delete from model_versions'), /immutable/);
  await assert.rejects(rawQuery(handle, `update model_artifacts set content = '\\x00'::bytea`), /immutable/);
  await assert.rejects(rawQuery(handle, 'delete from model_artifacts'), /immutable/);
  const accepted = await setModelStatus(db, { ...NEUTRAL_HAPPY, version: 1 }, 'accepted');
  assert.equal(accepted.status, 'accepted');
  assert.deepEqual(accepted.metrics, { fid: 40 });
  await assert.rejects(setModelStatus(db, { ...NEUTRAL_HAPPY, version: 1 }, 'rejected'), ConflictError);
});

dbTest('registration refuses bad input with clear errors', async ({ db }) => {
  await assert.rejects(registerModelVersion(db, { ...NEUTRAL_HAPPY, artifacts: [{ kind: 'tfjs', bytes: onnxBytes(1) }] }), /needs an onnx artifact/);
  await assert.rejects(
    registerModelVersion(db, { ...NEUTRAL_HAPPY, artifacts: [{ kind: 'onnx', bytes: onnxBytes(1) }, { kind: 'onnx', bytes: onnxBytes(2) }] }),
    /each artifact kind may be given once/,
  );
  await assert.rejects(registerModelVersion(db, { source: 'happy', target: 'happy', artifacts: [{ kind: 'onnx', bytes: onnxBytes(1) }] }), ValidationError);
  await assert.rejects(registerModelVersion(db, { ...NEUTRAL_HAPPY, runId: 999, artifacts: [{ kind: 'onnx', bytes: onnxBytes(1) }] }), NotFoundError);
  await assert.rejects(registerModelVersion(db, { ...NEUTRAL_HAPPY, artifacts: [{ kind: 'onnx', uri: 'https://example.com/m.onnx' }] }), /only file: URIs/);
  await assert.rejects(getModelVersion(db, { ...NEUTRAL_HAPPY, version: 1 }), NotFoundError);
  assert.deepEqual(await listModelVersions(db), [], 'failed registrations leave nothing behind');
});
