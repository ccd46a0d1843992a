import { existsSync, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';

/**
 * Debian's chromium (`apt-get install -y chromium`), or the binary FACEAUG_CHROMIUM names:
 * Playwright's own browser download cannot run on these machines. Undefined when there is none.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.FACEAUG_CHROMIUM) return existsSync(env.FACEAUG_CHROMIUM) ? env.FACEAUG_CHROMIUM : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) if (existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export const launchChromium = (executablePath: string): Promise<Browser> => chromium.launch({ executablePath, args: ['--no-sandbox'] });

export interface PageProblems {
  /** Console errors and uncaught exceptions: a test asserts there were none. */
  errors: string[];
  /**
   * API answers the browser logged as failed loads, as `<status> <path>`: Chromium logs every 4xx
   * of a fetch() to the console, so a test lists exactly the refusals it provoked on purpose.
   */
  refusals: string[];
}

export function collectProblems(page: Page): PageProblems {
  const problems: PageProblems = { errors: [], refusals: [] };
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const refused = /^Failed to load resource: the server responded with a status of (\d+)/.exec(message.text());
    if (refused) problems.refusals.push(`${refused[1]} ${new URL(message.location().url).pathname}`);
    else problems.errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.errors.push(`uncaught: ${error.message}`));
  return problems;
}

/** Form controls and buttons a screen reader could not name: no label, no aria-label, no text. */
export function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('input, select, textarea, button')]
      .filter((control) => {
        const labels = (control as HTMLInputElement).labels;
        const named = (labels && labels.length > 0) || control.getAttribute('aria-label') || control.getAttribute('aria-labelledby');
        return !named && !(control.tagName === 'BUTTON' && control.textContent?.trim());
      })
      .map((control) => control.outerHTML.slice(0, 120)),
  );
}

/**
 * Saves the whole page (down to `maxHeight` pixels) as `<dir>/<name>.png` when FACEAUG_SCREENSHOTS
 * names a directory: the README's pictures. Without it, nothing.
 */
export async function screenshot(page: Page, name: string, maxHeight = 2000): Promise<void> {
  const dir = process.env.FACEAUG_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const { width, height } = await page.evaluate(() => ({ width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight }));
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true, clip: { x: 0, y: 0, width, height: Math.min(height, maxHeight) } });
}
