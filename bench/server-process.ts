import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Starts `faceaug serve` on a free local port with `env` and `args` added, and waits for it to
 * say where it serves and which admin key it printed (a fresh registry prints one).
 */
export async function spawnServer(env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ server: ChildProcess; url: string; key: string }> {
  const server = spawn(process.execPath, ['bin/faceaug.js', 'serve', '--port', '0', '--host', '127.0.0.1', ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const { url, key } = await new Promise<{ url: string; key: string }>((resolve, reject) => {
    let key = '';
    let buffered = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        key = /^admin API key .*: (fa_\S+)$/.exec(line)?.[1] ?? key;
        const started = /^faceaug serving on (\S+) /.exec(line);
        if (started) resolve({ url: started[1]!, key });
      }
    });
    server.on('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
  // The server logs a JSON line per request; reading them keeps its stdout from filling up.
  server.stdout!.resume();
  return { server, url, key };
}
