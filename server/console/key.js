// The API key lives in this tab's session storage: typed once, sent as a bearer header, never put
// in a URL (where it would land in history, logs and Referer headers).
const STORAGE = 'faceaug.apiKey';

export const currentKey = () => sessionStorage.getItem(STORAGE) ?? '';

/** Wires the header's key form; `onChange` runs after the key is set or forgotten. */
export function setUpKeyForm(onChange) {
  const form = document.getElementById('key-form');
  const input = document.getElementById('key-input');
  const state = document.getElementById('key-state');
  const show = () => {
    const key = currentKey();
    state.textContent = key ? `using key ${key.slice(0, 12)}…` : 'no key: only public translation';
    input.value = '';
    input.placeholder = key ? 'replace the key' : 'paste a key';
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    sessionStorage.setItem(STORAGE, key);
    show();
    onChange();
  });
  document.getElementById('key-forget').addEventListener('click', () => {
    sessionStorage.removeItem(STORAGE);
    show();
    onChange();
  });
  show();
}
