import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { unzipSync, zipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { FACE_SIZE } from '../../core/image-codec.js';
import { promote, registerModelVersion } from '../../db/registry.js';
import { type PageProblems, collectProblems, findChromium, launchChromium, screenshot, unnamedControls } from '../helpers/browser.js';
import { NEUTRAL_DISGUST, type TestServer, bearer, eventually, withServer } from './harness.js';

/**
 * The web console driven in a real browser against a real server on PGlite, seeded from the
 * shipped translators in models/ (so the pages show real model cards, charts and faces).
 */
const SHIPPED = fileURLToPath(new URL('../../models', import.meta.url));
const CHROMIUM = findChromium();
const skip = CHROMIUM ? false : 'no chromium binary found (apt-get install -y chromium, or set FACEAUG_CHROMIUM)';

/**
 * A real face: one of the shipped sample grid's source faces (top row, 96 px cells 2 px apart),
 * back at 48x48, so the server takes it as an aligned face and these tests do not depend on the
 * face detector. Read as a buffer: a running server lets sharp decode buffers only.
 */
const face = (column: number) =>
  sharp(readFileSync(join(SHIPPED, 'neutral-to-disgust', 'samples.png')))
    .extract({ left: 2 + column * 98, top: 2, width: 96, height: 96 })
    .resize(FACE_SIZE, FACE_SIZE)
    .png()
    .toBuffer();

/** Opens a fresh tab of `browser` at the given viewport, recording its errors. */
async function open(browser: Browser, url: string, viewport = { width: 1280, height: 900 }): Promise<{ page: Page } & PageProblems> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const problems = collectProblems(page);
  // Everything the pages need ships with the server: a request anywhere else is a failure.
  await page.route((target) => !target.href.startsWith(url), (route) => {
    problems.errors.push(`request outside the server: ${route.request().url()}`);
    return route.abort();
  });
  return { page, ...problems };
}

async function withConsole(settings: Parameters<typeof withServer>[1], body: (ts: TestServer, browser: Browser) => Promise<void>): Promise<void> {
  const browser = await launchChromium(CHROMIUM!);
  try {
    await withServer(null, { modelsDir: SHIPPED, ...settings }, (ts) => body(ts, browser));
  } finally {
    await browser.close();
  }
}

/** Every <img> in `selector` has loaded (a broken or pending image has no natural width). */
async function imagesLoaded(page: Page, selector: string): Promise<number> {
  await page.waitForFunction((s) => [...document.querySelectorAll<HTMLImageElement>(s)].every((img) => img.complete && img.naturalWidth > 0), selector);
  return page.locator(selector).count();
}

async function useKey(page: Page, key: string): Promise<void> {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Use key' }).click();
  await page.getByText(`using key ${key.slice(0, 12)}`).waitFor();
}

test('the console is served from the package: every file it references answers from this server, under a same-origin CSP', () =>
  withServer(null, {}, async ({ url }) => {
    const index = await fetch(`${url}/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await index.text();
    // The page's own references, and every module import, lead to files this server has.
    const pending = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1]!);
    const seen = new Set<string>();
    while (pending.length > 0) {
      const path = pending.pop()!;
      if (seen.has(path)) continue;
      seen.add(path);
      assert.ok(path.startsWith('/'), `${path} is on this server`);
      const response = await fetch(`${url}${path}`);
      assert.equal(response.status, 200, path);
      if (path.endsWith('.js')) for (const m of (await response.text()).matchAll(/from '\.\/([\w-]+\.js)'/g)) pending.push(`/console/${m[1]}`);
    }
    assert.ok(seen.has('/console/markdown.js') && seen.has('/console/zip.js'), `found ${[...seen].join(', ')}`);
    const script = await fetch(`${url}/console/app.js`);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const again = await fetch(`${url}/console/app.js`, { headers: { 'If-None-Match': script.headers.get('etag')! } });
    assert.equal(again.status, 304, 'revalidated by ETag');
    for (const path of ['/console/nothing.js', '/console/..%2Froutes%2Fconsole.ts', '/console/../app.ts']) assert.equal((await fetch(`${url}${path}`)).status, 404, path);

    // Without a browser at hand, node at least parses every module the page loads. Last: on a
    // loaded machine these checks outlast the server's keep-alive, and a request on the pooled
    // connection it is closing would fail with ECONNRESET.
    for (const path of [...seen].filter((p) => p.endsWith('.js'))) {
      const check = spawnSync(process.execPath, ['--check', fileURLToPath(new URL(`../../server${path}`, import.meta.url))], { encoding: 'utf8' });
      assert.equal(check.status, 0, `${path}: ${check.stderr}`);
    }
  }),
);

test('Try: a typed-in key, then a face translated by every champion, with version, verdict and download', { skip }, () =>
  withConsole({ publicTranslate: false }, async ({ url, translateKey }, browser) => {
    const { page, errors, refusals } = await open(browser, url);
    await page.goto(`${url}/`);
    await page.getByRole('heading', { name: 'Try the translators' }).waitFor();
    await page.getByText('An API key is needed to list the translators').waitFor();
    await useKey(page, translateKey);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('faceaug.apiKey')), translateKey, "the key is kept in the tab's session storage");
    assert.ok(!page.url().includes(translateKey), 'never in the URL');

    await page.getByLabel('Face image').setInputFiles({ name: 'face.png', mimeType: 'image/png', buffer: await face(7) });
    await page.getByText('Translated face.png with 2 champions.').waitFor();
    assert.equal(await imagesLoaded(page, '#try-results img'), 3, 'the input beside two translations');
    const cards = page.locator('#try-results li');
    assert.match(await cards.nth(1).innerText(), /neutral → disgust\s+version 1 rejected\s+rejected: disgust AUC/);
    assert.match(await cards.nth(2).innerText(), /neutral → surprise\s+version 1 (accepted|rejected)/);
    await screenshot(page, 'try');
    assert.deepEqual(await unnamedControls(page), []);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download disgust' }).click()]);
    assert.equal(download.suggestedFilename(), 'face-disgust-v1.png');
    const meta = await sharp(readFileSync((await download.path())!)).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 192, 192]);

    // A phone-sized screen shows the same page without sideways scrolling.
    const phone = await open(browser, url, { width: 390, height: 844 });
    await phone.page.goto(`${url}/#try`);
    await useKey(phone.page, translateKey);
    await phone.page.getByLabel('Face image').setInputFiles({ name: 'face.png', mimeType: 'image/png', buffer: await face(7) });
    await phone.page.getByText('Translated face.png with 2 champions.').waitFor();
    assert.ok(await phone.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal overflow at 390 px');
    await screenshot(phone.page, 'try-phone');
    assert.deepEqual([...errors, ...phone.errors], []);
    // Each tab asked for the translators once before it had the key.
    assert.deepEqual([...refusals, ...phone.refusals], ['401 /v1/translators', '401 /v1/translators']);
  }),
);

test('Jobs: submit images, watch the job complete, see the gallery and download the archive; then a zip', { skip }, () =>
  withConsole({ publicTranslate: true }, async ({ url }, browser) => {
    const { page, errors, refusals } = await open(browser, url);
    await page.goto(`${url}/#jobs`);
    await page.getByRole('heading', { name: 'Bulk jobs' }).waitFor();
    await page.getByLabel('Images or one archive').setInputFiles([
      { name: 'a.png', mimeType: 'image/png', buffer: await face(6) },
      { name: 'b.png', mimeType: 'image/png', buffer: await face(7) },
    ]);
    await page.getByRole('checkbox', { name: 'disgust' }).check();
    await page.getByRole('checkbox', { name: 'surprise' }).check();
    await page.getByLabel('Copies').fill('2');
    await page.getByLabel('Seed').fill('7');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.getByText(/^Job completed: 8 outputs/).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('#job-progress').evaluate((p: HTMLProgressElement) => [p.value, p.max].join('/')), '8/8');
    assert.equal(await imagesLoaded(page, '#job-gallery img'), 8);
    await screenshot(page, 'jobs');
    assert.deepEqual(await unnamedControls(page), []);

    const jobId = await page.locator('#job-id').innerText();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /^Download result/ }).click()]);
    assert.equal(download.suggestedFilename(), `faceaug-job-${jobId}.zip`);
    const files = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
    const outputs = Object.keys(files).filter((name) => name.includes('/')).sort();
    assert.equal(outputs.length, 8);
    assert.deepEqual(new Set(outputs.map((name) => name.split('/')[0])), new Set(['disgust', 'surprise']));
    const manifest = new TextDecoder().decode(files['manifest.jsonl']).trim().split('\n').map((line) => JSON.parse(line) as { output: string; seed: number; modelVersion: number });
    assert.deepEqual(manifest.map((m) => m.output).sort(), outputs);
    assert.ok(manifest.every((m) => m.seed === 7 && m.modelVersion === 1));
    for (const name of outputs) assert.equal((await sharp(Buffer.from(files[name]!)).metadata()).format, 'png');
    const summary = JSON.parse(new TextDecoder().decode(files['summary.json'])) as { job: string; failures: unknown[] };
    assert.deepEqual([summary.job, summary.failures], [jobId, []]);

    // One zip archive instead of image files: sent as it is.
    const zip = zipSync({ 'c.png': new Uint8Array(await face(5)), 'd.png': new Uint8Array(await face(4)) });
    await page.getByLabel('Images or one archive').setInputFiles({ name: 'faces.zip', mimeType: 'application/zip', buffer: Buffer.from(zip) });
    await page.getByRole('checkbox', { name: 'surprise' }).uncheck();
    await page.getByLabel('Copies').fill('1');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.getByText(/^Job completed: 2 outputs/).waitFor({ timeout: 60_000 });
    assert.deepEqual(await page.locator('#job-gallery p').allInnerTexts(), ['disgust/00000-c-0.png', 'disgust/00001-d-0.png']);
    assert.equal(await imagesLoaded(page, '#job-gallery img'), 2);
    assert.deepEqual([errors, refusals], [[], []]);
  }),
);

test('Models: versions with status and verdict, the pictures and model card from the registry, the audit history', { skip }, () =>
  withConsole({}, async ({ url, adminKey }, browser) => {
    const { page, errors, refusals } = await open(browser, url);
    await page.goto(`${url}/#models`);
    await page.getByText('enter a key with the admin scope above').waitFor();
    await useKey(page, adminKey);
    await page.getByRole('table', { name: 'neutral → disgust: champion v1' }).waitFor();
    await page.getByRole('table', { name: 'neutral → surprise: champion v1' }).waitFor();
    // By keyboard: the details button, then focus lands on what it opened.
    await page.getByRole('button', { name: 'Details of neutral → disgust v1' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'neutral → disgust v1' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'model-title');
    assert.equal(await imagesLoaded(page, '#model-pictures img'), 4, 'sample grid, loss plot and both validation charts');
    // The card's own chart references are drawn from the same stored artifacts.
    assert.equal(await imagesLoaded(page, '#model-card img'), 2);
    // The shipped card's own title, whichever run the translator came from.
    const title = readFileSync(join(SHIPPED, 'neutral-to-disgust', 'model-card.md'), 'utf8').split('\n')[0]!.replace(/^# /, '');
    await page.locator('#model-card').getByRole('heading', { name: title }).waitFor();
    assert.ok((await page.locator('#model-card table').count()) >= 2, 'the card tables are rendered as tables');
    await page.locator('#model-history').getByText('faceaug first start').waitFor();
    await screenshot(page, 'models');
    assert.deepEqual(await unnamedControls(page), []);
    assert.deepEqual([errors, refusals], [[], []]);
  }),
);

test('Operate: a stale promote is refused with a message, a fresh one changes the champion, rollback and archive, a translate key is told it lacks the scope', { skip }, () =>
  withConsole({}, async ({ url, adminKey, translateKey, db }, browser) => {
    const onnx = readFileSync(`${SHIPPED}/neutral-to-disgust/model.onnx`);
    for (let n = 0; n < 2; n++) await registerModelVersion(db, { ...NEUTRAL_DISGUST, status: 'accepted', artifacts: [{ kind: 'onnx', bytes: onnx }] });
    const { page, errors, refusals } = await open(browser, url);
    await page.goto(`${url}/#operate`);
    await useKey(page, adminKey);
    const panel = page.getByRole('article', { name: 'neutral → disgust' });
    await panel.getByText('Champion: v1').waitFor();
    const rollbackForm = panel.getByRole('form', { name: 'Roll back neutral → disgust' });
    assert.equal(await rollbackForm.getByRole('button', { name: 'Roll back to the previous champion' }).isDisabled(), true, 'the first champion has nothing to roll back to');
    await rollbackForm.getByText('Not possible now: neutral->disgust v1 has no earlier champion to roll back to').waitFor();

    // Another operator moves the champion after this page was drawn.
    await promote(db, { ...NEUTRAL_DISGUST, version: 2, expectedVersion: 1, actor: 'test' });
    const promoteForm = panel.getByRole('form', { name: 'Promote a version of neutral → disgust' });
    await promoteForm.getByLabel('Version').selectOption('3');
    await promoteForm.getByLabel('Reason', { exact: true }).fill('sharper faces');
    await promoteForm.getByRole('button', { name: 'Promote' }).click();
    await page.getByText('Refused, nothing was changed').waitFor();
    assert.match(await page.locator('#operate-message').innerText(), /expected champion v1, but it is v2/);
    await panel.getByText('Champion: v2').waitFor();
    await screenshot(page, 'operate-conflict');

    await promoteForm.getByLabel('Version').selectOption('3');
    assert.equal(await promoteForm.getByLabel('Expected champion').inputValue(), '2', 'the redrawn form expects the champion it shows');
    await promoteForm.getByLabel('Reason', { exact: true }).fill('sharper faces');
    await promoteForm.getByRole('button', { name: 'Promote' }).click();
    await page.getByText('neutral → disgust: v3 is now the champion (was v2).').waitFor();
    await panel.getByText('Champion: v3').waitFor();
    await screenshot(page, 'operate');
    assert.deepEqual(await unnamedControls(page), []);
    const listed = (await (await fetch(`${url}/v1/translators`, { headers: bearer(adminKey) })).json()) as Array<{ id: string; champion: { version: number } }>;
    assert.equal(listed.find((t) => t.id === 'neutral-to-disgust')?.champion.version, 3);

    // The Try page answers with the new champion once the server serves it (within one champion poll).
    const upload = await face(6);
    await eventually('v3 to be served', async () => {
      const response = await fetch(`${url}/v1/translate?target=disgust`, { method: 'POST', headers: { ...bearer(adminKey), 'Content-Type': 'image/png' }, body: new Uint8Array(upload) });
      await response.arrayBuffer();
      return response.headers.get('x-model-version') === '3' || undefined;
    });
    await page.goto(`${url}/#try`);
    await page.getByLabel('Face image').setInputFiles({ name: 'face.png', mimeType: 'image/png', buffer: upload });
    await page.locator('#try-results li').nth(1).getByText('version 3').waitFor();

    // Roll the champion back, then retire the version it replaced.
    // The page redraws its forms once it has read the registry: input typed before that is lost.
    const registryRead = page.waitForResponse((response) => new URL(response.url()).pathname === '/v1/models' && response.request().method() === 'GET');
    await page.goto(`${url}/#operate`);
    await registryRead;
    await panel.getByText('Champion: v3').waitFor();
    await rollbackForm.getByText('Restores v2, the champion it replaced.').waitFor();
    await rollbackForm.getByLabel('Reason').fill('faces look odd');
    await rollbackForm.getByRole('button', { name: 'Roll back to the previous champion' }).click();
    await page.getByText('neutral → disgust: rolled back from v3 to v2.').waitFor();
    await panel.getByText('Champion: v2').waitFor();
    const archiveForm = panel.getByRole('form', { name: 'Archive a version of neutral → disgust' });
    await archiveForm.getByLabel('Version').selectOption('3');
    await archiveForm.getByRole('button', { name: 'Archive' }).click();
    await page.getByText('neutral → disgust: v3 is archived and no longer served.').waitFor();
    assert.deepEqual(await archiveForm.locator('option').allInnerTexts(), ['choose a version', 'v1 (rejected)'], 'an archived version is offered no more');

    await useKey(page, translateKey);
    await page.goto(`${url}/#operate`);
    await page.getByText('Your API key may not read the model registry: it lacks the scope').waitFor();
    assert.deepEqual(errors, []);
    assert.deepEqual(refusals, ['409 /v1/models/neutral-to-disgust-v3/promote', '403 /v1/models']);
  }),
);
