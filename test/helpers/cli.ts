import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { settings } from '../../core/config.js';

/** The CLI entry point, absolute, so tests may spawn it from any working directory. */
export const CLI_PATH = new URL('../../bin/faceaug.js', import.meta.url).pathname;

/**
 * The environment a spawned faceaug gets: the caller's, without any setting faceaug reads
 * (DATABASE_URL, every FACEAUG_*, FER2013_CSV), plus exactly what the test passes. A developer
 * with DATABASE_URL exported would otherwise have test runs written into a real registry, and a
 * FACEAUG_BACKEND or FACEAUG_WORKERS of theirs would change what the test checks. An empty string
 * passed here stays set, which faceaug reads as "use the default".
 */
export function cliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  const read = new Set(Object.values(settings).map((setting) => setting.env));
  for (const name of Object.keys(clean)) {
    if (read.has(name) || name.startsWith('FACEAUG_')) delete clean[name];
  }
  return { ...clean, ...env };
}

/** Runs the faceaug CLI to completion; returns its exit status and output. */
export function faceaug(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8', env: cliEnv(env) });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Starts the faceaug CLI in the background (a server, a worker, a run to interrupt). */
export function spawnFaceaug(args: string[], env: Record<string, string> = {}, options: Omit<SpawnOptions, 'env'> = {}): ChildProcess {
  return spawn(process.execPath, [CLI_PATH, ...args], { ...options, env: cliEnv(env) });
}

/** The faceaug CLI run asynchronously to completion (keeps the test's event loop free, e.g. for a server in this process). */
export function faceaugAsync(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnFaceaug(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

