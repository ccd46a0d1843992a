// Jobs: submit a bulk job, watch its progress, download its archive and preview the first outputs.
import { explain, getJson, request } from './api.js';
import { blobUrl, el, releaseUrls, say } from './dom.js';
import { fillSources, fromSource, loadTranslators } from './translators.js';
import { zipEntries } from './zip.js';

const POLL_MS = 500;
const GALLERY_SIZE = 12;
const ARCHIVES = { zip: 'application/zip', tar: 'application/x-tar' };

let translators = [];
/** The job being watched; a newer submission stops the older one's polling. */
let watching = null;

export function setUpJobs() {
  document.getElementById('job-source').addEventListener('change', renderTargets);
  document.getElementById('job-form').addEventListener('submit', (event) => {
    event.preventDefault();
    submit(event.target);
  });
}

export async function showJobs() {
  try {
    translators = await loadTranslators();
  } catch (error) {
    say(document.getElementById('job-message'), explain(error, 'list the translators'), 'error');
    return;
  }
  fillSources(document.getElementById('job-source'), translators);
  renderTargets();
}

function renderTargets() {
  const fieldset = document.getElementById('job-targets');
  const chosen = new Set([...fieldset.querySelectorAll('input:checked')].map((box) => box.value));
  const targets = fromSource(translators, document.getElementById('job-source').value);
  fieldset.replaceChildren(
    el('legend', {}, 'Targets'),
    ...targets.map(({ target, champion }) =>
      el('label', { class: 'check' }, el('input', { type: 'checkbox', name: 'targets', value: target, checked: chosen.has(target) }), ` ${target} `, el('span', { class: 'muted' }, `(v${champion.version})`)),
    ),
  );
}

/** The request body: one archive as it is, or the images as multipart `image` fields. */
function uploadBody(files) {
  const archive = (file) => Object.keys(ARCHIVES).find((ext) => file.name.toLowerCase().endsWith(`.${ext}`));
  if (files.length === 1 && archive(files[0])) return { body: files[0], headers: { 'Content-Type': ARCHIVES[archive(files[0])] } };
  if (files.some(archive)) throw new Error('choose one archive on its own, or image files only');
  const form = new FormData();
  for (const file of files) form.append('image', file, file.name);
  return { body: form, headers: {} };
}

async function submit(form) {
  const message = document.getElementById('job-message');
  const targets = [...form.querySelectorAll('input[name=targets]:checked')].map((box) => box.value);
  if (targets.length === 0) {
    say(message, 'Choose at least one target expression.', 'error');
    form.querySelector('input[name=targets]')?.focus();
    return;
  }
  let upload;
  try {
    upload = uploadBody([...form.elements.files.files]);
  } catch (error) {
    say(message, `Cannot submit: ${error.message}.`, 'error');
    return;
  }
  const query = new URLSearchParams({ targets: targets.join(','), source: form.elements.source.value, copies: form.elements.copies.value, format: form.elements.format.value, size: form.elements.size.value });
  if (form.elements.seed.value !== '') query.set('seed', form.elements.seed.value);
  say(message, 'Uploading…');
  try {
    const job = await (await request(`/v1/jobs?${query}`, { method: 'POST', ...upload })).json();
    say(message, `Job accepted: ${job.inputCount} image${job.inputCount === 1 ? '' : 's'}, ${job.itemCount} output${job.itemCount === 1 ? '' : 's'} to make.`, 'ok');
    watch(job);
  } catch (error) {
    say(message, explain(error, 'submit this job'), 'error');
  }
}

async function watch(job) {
  const token = (watching = {});
  const gallery = document.getElementById('job-gallery');
  releaseUrls(gallery);
  gallery.replaceChildren();
  document.getElementById('job-gallery-title').hidden = true;
  document.getElementById('job-download').hidden = true;
  document.getElementById('job-id').textContent = job.id;
  document.getElementById('job-status').hidden = false;
  while (token === watching) {
    showProgress(job);
    if (job.status === 'completed') return fetchResult(job);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    try {
      job = await getJson(job.links.self);
    } catch (error) {
      say(document.getElementById('job-message'), explain(error, 'check on this job'), 'error');
      // A busy or restarting server is asked again; any other refusal ends the watch.
      if (![0, 429, 503].includes(error.status)) return;
    }
  }
}

function showProgress(job) {
  const { done, failed, running, pending } = job.counts;
  const progress = document.getElementById('job-progress');
  progress.max = job.itemCount;
  progress.value = done + failed;
  progress.textContent = `${done + failed} of ${job.itemCount}`;
  document.getElementById('job-counts').textContent =
    `${job.status}: ${done} done, ${failed} failed, ${running} running, ${pending} waiting, of ${job.itemCount} outputs (targets ${job.targets.join(', ')}, ${job.copies} cop${job.copies === 1 ? 'y' : 'ies'}, seed ${job.seed}).`;
}

async function fetchResult(job) {
  const message = document.getElementById('job-message');
  const gallery = document.getElementById('job-gallery');
  let archive;
  try {
    archive = await (await request(job.links.result)).blob();
  } catch (error) {
    say(message, explain(error, "download this job's result"), 'error');
    return;
  }
  const link = document.getElementById('job-download');
  link.href = blobUrl(gallery, archive);
  link.download = `faceaug-job-${job.id}.zip`;
  link.textContent = `Download result (zip, ${(archive.size / 1024).toFixed(0)} KiB)`;
  link.hidden = false;
  try {
    const entries = await zipEntries(archive);
    const summary = JSON.parse(new TextDecoder().decode(await entries.find((e) => e.name === 'summary.json').bytes()));
    const outputs = entries.filter((entry) => entry.name.includes('/')).slice(0, GALLERY_SIZE);
    const type = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' }[job.format];
    const items = await Promise.all(
      outputs.map(async (entry) => el('li', { class: 'face' }, el('img', { src: blobUrl(gallery, new Blob([await entry.bytes()], { type })), alt: entry.name }), el('p', {}, entry.name))),
    );
    gallery.replaceChildren(...items);
    document.getElementById('job-gallery-title').hidden = items.length === 0;
    const failures = summary.failures.length;
    say(message, `Job completed: ${job.counts.done} outputs${failures ? `, ${failures} failed (listed in summary.json)` : ''}. The first ${items.length} are shown below.`, failures ? 'error' : 'ok');
  } catch (error) {
    say(message, `Job completed; the result could not be previewed here (${error.message}), but the download is complete.`, 'error');
  }
}
