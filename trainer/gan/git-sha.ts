import { execFileSync } from 'node:child_process';

/** The commit the code runs from, recorded with every run ('unknown' outside a git checkout). */
export function gitSha(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}
