import type { App } from '../context.js';
import { PROBLEM_TYPES } from '../problems.js';

const OPENAPI_INFO = {
  openapi: '3.0.3',
  info: {
    title: 'faceaug',
    version: '1',
    description: 'Translate neutral faces into other expressions with the registered CycleGAN translators; bulk jobs; operator endpoints for the model registry.',
  },
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

interface Operation {
  summary?: string;
  description?: string;
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string; schema?: { type?: string; enum?: unknown[]; default?: unknown } }>;
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
}

function renderOperation(method: string, path: string, op: Operation): string {
  const params = (op.parameters ?? [])
    .map((p) => {
      const values = p.schema?.enum ? ` one of ${p.schema.enum.join(', ')}` : p.schema?.type ? ` ${p.schema.type}` : '';
      const fallback = p.schema?.default !== undefined ? `, default ${String(p.schema.default)}` : '';
      return `<li><code>${escapeHtml(p.name)}</code> (${p.in}${p.required ? ', required' : ''}${escapeHtml(values + fallback)}) ${escapeHtml(p.description ?? '')}</li>`;
    })
    .join('');
  const body = op.requestBody ? `<p>Body: ${Object.keys(op.requestBody.content).map((t) => `<code>${escapeHtml(t)}</code>`).join(', ')}</p>` : '';
  const responses = Object.entries(op.responses)
    .map(([status, r]) => `<li><b>${status}</b> ${escapeHtml(r.description)}${r.content ? ` <small>(${Object.keys(r.content).map(escapeHtml).join(', ')})</small>` : ''}</li>`)
    .join('');
  return `<section><h3><span class="m">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
<p>${escapeHtml(op.summary ?? '')}${op.security?.length ? ' <span class="k">API key</span>' : ''}</p>
${op.description ? `<p>${escapeHtml(op.description)}</p>` : ''}${params ? `<ul>${params}</ul>` : ''}${body}<ul>${responses}</ul></section>`;
}

/**
 * `/openapi.json` and `/docs`. The docs page is rendered here from the same document, with no
 * script or CDN: Swagger UI would need to be fetched from the internet at run time.
 */
export function registerDocs(app: App): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'an API key: `faceaug keys create`' });
  app.doc('/openapi.json', OPENAPI_INFO);
  app.get('/docs', (c) => {
    const document = app.getOpenAPIDocument(OPENAPI_INFO) as unknown as { paths: Record<string, Record<string, Operation>> };
    const operations = Object.entries(document.paths)
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => renderOperation(method, path, op)))
      .join('\n');
    const problems = Object.entries(PROBLEM_TYPES)
      .map(([type, { status, title }]) => `<li id="problem-${type}"><code>/docs#problem-${type}</code> <b>${status}</b> ${escapeHtml(title)}</li>`)
      .join('');
    return c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>faceaug API</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}section{border-top:1px solid #ddd;padding:.3rem 0}
.m{display:inline-block;min-width:3.5rem;color:#06c}.k{background:#eee;border-radius:3px;padding:0 .3rem;font-size:80%}code{background:#f6f6f6}</style></head>
<body><h1>faceaug API</h1><p>${escapeHtml(OPENAPI_INFO.info.description)} Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
<p>Authentication: <code>Authorization: Bearer &lt;key&gt;</code>. Errors are RFC 9457 <code>application/problem+json</code>.</p>
${operations}<h2>Problem types</h2><ul>${problems}</ul></body></html>`);
  });
}
