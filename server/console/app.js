// The console's entry: one page per #hash, each drawn fresh from the API when it is shown.
import { setUpJobs, showJobs } from './jobs.js';
import { setUpKeyForm } from './key.js';
import { showModels } from './models.js';
import { showOperate } from './operate.js';
import { setUpTry, showTry } from './try.js';

const PAGES = { try: showTry, jobs: showJobs, models: showModels, operate: showOperate };

/** The page a hash names; other hashes (the skip link's #main) leave the page as it is. */
const named = () => (location.hash.slice(1) in PAGES ? location.hash.slice(1) : undefined);
let page = named() ?? 'try';

function show({ focus }) {
  for (const section of document.querySelectorAll('[data-page]')) section.hidden = section.dataset.page !== page;
  for (const link of document.querySelectorAll('nav a[href^="#"]')) {
    if (link.getAttribute('href') === `#${page}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const title = document.getElementById(`${page}-title`);
  document.title = `${title.textContent} · faceaug console`;
  // After a navigation, keyboard and screen-reader users land on the new page's heading.
  if (focus) title.focus();
  PAGES[page]();
}

setUpKeyForm(() => show({ focus: false }));
setUpTry();
setUpJobs();
window.addEventListener('hashchange', () => {
  if (!named()) return;
  page = named();
  show({ focus: true });
});
show({ focus: false });
