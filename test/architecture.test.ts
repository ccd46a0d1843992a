import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The layers point one way: core <- db <- trainer, and core <- db <- server; the server never
 * loads the trainer (and so TensorFlow.js), and nothing below the CLI reaches up into it.
 */
const REPOSITORY = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FORBIDDEN: Record<string, string[]> = {
  core: ['trainer', 'server', 'db', 'cli', 'bench'],
  db: ['trainer', 'server', 'cli', 'bench'],
  server: ['trainer', 'cli', 'bench'],
  trainer: ['server', 'cli', 'bench'],
};
/** The trainer's pipeline stages in data-flow order: each may use earlier stages, never later ones. */
const STAGES = ['data', 'filter', 'gan', 'evaluate', 'validate', 'ship'];
const SPECIFIER = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]|new URL\(\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Every relative import of `file`, as the folder it lands in: top level, and the trainer's own folders. */
function importedFolders(file: string): Array<{ specifier: string; folder: string; subfolder: string }> {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(SPECIFIER)].map((m) => {
    const specifier = (m[1] ?? m[2])!;
    const [folder, subfolder] = relative(REPOSITORY, resolve(dirname(file), specifier)).split(/[\\/]/);
    return { specifier, folder: folder!, subfolder: subfolder ?? '' };
  });
}

for (const [layer, forbidden] of Object.entries(FORBIDDEN)) {
  test(`${layer}/ imports nothing from ${forbidden.join(', ')}`, () => {
    const files = sourceFiles(join(REPOSITORY, layer));
    assert.ok(files.length > 0, `no sources found under ${layer}/`);
    const violations = files.flatMap((file) =>
      importedFolders(file)
        .filter(({ folder }) => forbidden.includes(folder))
        .map(({ specifier }) => `${relative(REPOSITORY, file)} imports ${specifier}`),
    );
    assert.deepEqual(violations, []);
  });
}

STAGES.forEach((stage, position) => {
  const later = STAGES.slice(position + 1);
  if (later.length === 0) return;
  test(`trainer/${stage}/ imports no later pipeline stage (${later.join(', ')})`, () => {
    const violations = sourceFiles(join(REPOSITORY, 'trainer', stage)).flatMap((file) =>
      importedFolders(file)
        .filter(({ folder, subfolder }) => folder === 'trainer' && later.includes(subfolder))
        .map(({ specifier }) => `${relative(REPOSITORY, file)} imports ${specifier}`),
    );
    assert.deepEqual(violations, []);
  });
});

test('the import scan resolves imports and worker URLs to the folders they land in', () => {
  // server/inference/onnx-model.ts names its worker with new URL('./session-worker.ts', ...).
  const found = importedFolders(join(REPOSITORY, 'server', 'inference', 'onnx-model.ts')).map((i) => i.folder);
  assert.ok(found.includes('server') && found.includes('core'), `scan found ${found.join(', ')}`);
});
