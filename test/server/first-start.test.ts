import assert from 'node:assert/strict';
import { type ChildProcess, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import sharp from 'sharp';
import { spawnFaceaug } from '../helpers/cli.js';
import { postgresTest } from '../helpers/postgres.js';
import { faceImage, onnxGenerator } from './harness.js';

/** A shipped translator as issue 8 lays it out: model, card, validation report and manifest. */
async function shipModel(modelsDir: string, target: string, seed: number, status: 'accepted' | 'rejected', verdict: string): Promise<void> {
  const dir = join(modelsDir, `neutral-to-${target}`);
  mkdirSync(dir, { recursive: true });
  const onnx = await onnxGenerator(seed);
  writeFileSync(join(dir, 'model.onnx'), onnx);
  writeFileSync(join(dir, 'model-card.md'), `# neutral -> ${target}\n\nValidation: ${verdict}\n`);
  writeFileSync(join(dir, 'validation.json'), JSON.stringify({ folds: 5, accuracyGain: status === 'accepted' ? 0.021 : -0.004 }));
  const manifest = { source: 'neutral', target, status, verdict, metrics: { fid: 41.5 }, architecture: 'resnet_1blocks_ngf4', onnxSha256: createHash('sha256').update(onnx).digest('hex') };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

interface Started {
  child: ChildProcess;
  lines: string[];
  url: string;
  exited: Promise<number | null>;
}

/** `faceaug serve` as `npm start` runs it, in its own process; resolves once it prints its URL. */
function serve(env: Record<string, string>): Promise<Started> {
  const child = spawnFaceaug(['serve', '--port', '0', '--host', '127.0.0.1'], env);
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        const match = /^faceaug serving on (http:\/\/\S+) /.exec(line);
        if (match) resolve({ child, lines, url: match[1]!, exited });
      }
    });
    void exited.then((code) => reject(new Error(`faceaug serve exited with ${code} before listening: ${stderr}`)));
  });
}

async function firstStart(databaseUrl: string | undefined): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'faceaug-first-start-'));
  try {
    const modelsDir = join(dir, 'models');
    await shipModel(modelsDir, 'disgust', 1, 'accepted', 'accepted: +2.1 points accuracy on disgust (5 folds, p=0.01)');
    await shipModel(modelsDir, 'surprise', 2, 'rejected', 'rejected: -0.4 points accuracy on surprise (5 folds, p=0.62)');
    const env: Record<string, string> = { FACEAUG_DATA_DIR: join(dir, 'data'), FACEAUG_MODELS_DIR: modelsDir };
    if (databaseUrl) env.DATABASE_URL = databaseUrl;

    const first = await serve(env);
    const keyLine = first.lines.find((line) => line.startsWith('admin API key'));
    const key = /(fa_\S+)$/.exec(keyLine ?? '')?.[1];
    assert.ok(key, `an admin key is printed: ${first.lines.join('\n')}`);
    assert.ok(first.lines.some((line) => /^registered neutral->disgust v1 as champion \(accepted\)/.test(line)));
    assert.ok(first.lines.some((line) => /^registered neutral->surprise v1 as champion \(rejected, forced\): rejected: -0.4 points/.test(line)));

    // The printed curl command runs as printed, given a face.png in the working directory.
    const curl = first.lines.find((line) => line.trim().startsWith('curl '))!.trim();
    writeFileSync(join(dir, 'face.png'), await faceImage(2));
    await promisify(execFile)('sh', ['-c', curl], { cwd: dir });
    const out = await sharp(join(dir, 'disgust.png')).metadata();
    assert.deepEqual([out.format, out.width, out.channels], ['png', 48, 1]);

    const models = (await (await fetch(`${first.url}/v1/models`, { headers: { Authorization: `Bearer ${key}` } })).json()) as Array<{ id: string; status: string; aliases: string[]; report: string }>;
    assert.deepEqual(models.map((m) => [m.id, m.status, m.aliases]), [['neutral-to-disgust-v1', 'accepted', ['champion']], ['neutral-to-surprise-v1', 'rejected', ['champion']]]);
    assert.match(models[1]!.report, /Validation: rejected/);
    const history = (await (await fetch(`${first.url}/v1/models/neutral-to-surprise/history`, { headers: { Authorization: `Bearer ${key}` } })).json()) as Array<{ forced: boolean; reason: string }>;
    assert.equal(history[0]!.forced, true);
    assert.match(history[0]!.reason, /rejected: -0.4 points accuracy on surprise \(5 folds, p=0.62\)/);

    // SIGTERM: a graceful stop, exit 0.
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
    assert.ok(first.lines.some((line) => line.includes('"msg":"stopped"')));

    // A second start finds the registry seeded: no new key, the first one still works.
    const second = await serve(env);
    try {
      assert.ok(!second.lines.some((line) => line.startsWith('admin API key')));
      assert.equal((await fetch(`${second.url}/v1/models`, { headers: { Authorization: `Bearer ${key}` } })).status, 200);
    } finally {
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('first start registers the shipped models, prints a key and a working curl, and stops on SIGTERM [pglite]', () => firstStart(undefined));

postgresTest('first start registers the shipped models, prints a key and a working curl, and stops on SIGTERM', (url) => firstStart(url));
