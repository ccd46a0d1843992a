// A small Markdown renderer for model cards: headings, paragraphs, lists, tables, fenced code,
// quotes, rules, and inline code, bold, italics, links and images. It builds DOM nodes, so a card
// can never inject markup; an image is whatever `image(src, alt)` returns for it.
import { el } from './dom.js';

const TABLE_RULE = /^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$/;
const cells = (line) => line.trim().replace(/^\||\|$/g, '').split('|').map((cell) => cell.trim());

export function renderMarkdown(text, image) {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const out = document.createDocumentFragment();
  let at = 0;
  const inline = (source) => renderInline(source, image);
  while (at < lines.length) {
    const line = lines[at];
    if (!line.trim()) {
      at++;
    } else if (line.startsWith('```')) {
      const code = [];
      for (at++; at < lines.length && !lines[at].startsWith('```'); at++) code.push(lines[at]);
      at++;
      out.append(el('pre', {}, el('code', {}, code.join('\n'))));
    } else if (/^#{1,6}\s/.test(line)) {
      const level = line.match(/^#+/)[0].length;
      // The card sits under the page's h3 "Model card": its headings move down to keep the outline whole.
      out.append(el(`h${Math.min(6, level + 3)}`, {}, inline(line.slice(level).trim())));
      at++;
    } else if (/^(-{3,}|\*{3,})\s*$/.test(line)) {
      out.append(el('hr'));
      at++;
    } else if (line.startsWith('|') && TABLE_RULE.test(lines[at + 1] ?? '')) {
      const head = cells(line);
      const rows = [];
      for (at += 2; at < lines.length && lines[at].trim().startsWith('|'); at++) rows.push(cells(lines[at]));
      const table = el('table', {}, el('thead', {}, el('tr', {}, head.map((cell) => el('th', { scope: 'col' }, inline(cell))))), el('tbody', {}, rows.map((row) => el('tr', {}, row.map((cell) => el('td', {}, inline(cell)))))));
      out.append(el('div', { class: 'scroll' }, table));
    } else if (/^\s*([-*]|\d+\.)\s/.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const items = [];
      for (; at < lines.length && /^\s*([-*]|\d+\.)\s/.test(lines[at]); at++) {
        let item = lines[at].replace(/^\s*([-*]|\d+\.)\s/, '');
        while (at + 1 < lines.length && /^\s{2,}\S/.test(lines[at + 1]) && !/^\s*([-*]|\d+\.)\s/.test(lines[at + 1])) item += ` ${lines[++at].trim()}`;
        items.push(el('li', {}, inline(item)));
      }
      out.append(el(ordered ? 'ol' : 'ul', {}, items));
    } else if (line.startsWith('>')) {
      const quoted = [];
      for (; at < lines.length && lines[at].startsWith('>'); at++) quoted.push(lines[at].replace(/^>\s?/, ''));
      out.append(el('blockquote', {}, renderMarkdown(quoted.join('\n'), image)));
    } else {
      const paragraph = [];
      for (; at < lines.length && lines[at].trim() && !/^(#{1,6}\s|```|\||>|\s*([-*]|\d+\.)\s)/.test(lines[at]); at++) paragraph.push(lines[at].trim());
      if (paragraph.length === 0) paragraph.push(lines[at++].trim());
      out.append(el('p', {}, inline(paragraph.join(' '))));
    }
  }
  return out;
}

// Earliest match wins; code spans first, so nothing inside them is read as markup.
const INLINE = /`([^`]+)`|!\[([^\]]*)\]\(([^)\s]+)\)|\[([^\]]+)\]\(([^)\s]+)\)|\*\*(.+?)\*\*|(?<![\w*])\*(?!\s)(.+?)\*(?!\w)|(?<!\w)_(?!\s)(.+?)_(?!\w)/;

function renderInline(text, image) {
  const nodes = [];
  let rest = text;
  for (let match = INLINE.exec(rest); match; match = INLINE.exec(rest)) {
    if (match.index > 0) nodes.push(rest.slice(0, match.index));
    const [whole, code, alt, src, label, href, bold, star, underscore] = match;
    if (code !== undefined) nodes.push(el('code', {}, code));
    else if (src !== undefined) nodes.push(image(src, alt));
    else if (href !== undefined) nodes.push(/^(https?:|\/|#)/.test(href) ? el('a', { href, rel: 'noopener noreferrer' }, renderInline(label, image)) : renderInline(label, image));
    else if (bold !== undefined) nodes.push(el('strong', {}, renderInline(bold, image)));
    else nodes.push(el('em', {}, renderInline(star ?? underscore, image)));
    rest = rest.slice(match.index + whole.length);
  }
  if (rest) nodes.push(rest);
  return nodes.flat();
}
