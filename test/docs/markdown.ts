import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** What the docs tests read: the README, docs/, and the READMEs of deploy/. */
export const ROOT = new URL('../../', import.meta.url).pathname;

export function markdownFiles(): string[] {
  const out = [join(ROOT, 'README.md')];
  const walk = (dir: string, only?: RegExp) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, only);
      else if (name.endsWith('.md') && (!only || only.test(name))) out.push(path);
    }
  };
  walk(join(ROOT, 'docs'));
  if (existsSync(join(ROOT, 'deploy'))) walk(join(ROOT, 'deploy'), /^README\.md$/);
  return out;
}

export const shortName = (path: string) => relative(ROOT, path);

/** The file without its fenced code blocks (links and names in code are examples, not references). */
export function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '');
}

/** `[text](target)` links; inline code spans are left out first, so `[a](b)` in code is not a link. */
export function links(text: string): string[] {
  const withoutCode = prose(text).replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

export function headings(text: string): Set<string> {
  return new Set([...prose(text).matchAll(/^#{1,6}\s+(.*)$/gm)].map((m) => anchor(m[1])));
}

/**
 * The lines of one section: from a heading matching `title` to the next heading of the same or a higher level.
 * Lines inside fenced code (a shell comment starts with `#` too) are never headings.
 */
export function section(text: string, title: RegExp): string {
  const lines = text.split('\n');
  let fenced = false;
  const level = lines.map((l) => {
    if (l.startsWith('```')) fenced = !fenced;
    return !fenced && /^#{1,6}\s/.test(l) ? /^#+/.exec(l)![0].length : 0;
  });
  const start = lines.findIndex((l, i) => level[i] > 0 && title.test(l));
  if (start < 0) return '';
  const end = level.findIndex((n, i) => i > start && n > 0 && n <= level[start]);
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

/** The bodies of the fenced blocks with this info string (```sh) in `text`. */
export function fencedBlocks(text: string, info: string): string[] {
  return [...text.matchAll(new RegExp(`^\`\`\`${info}\\n([\\s\\S]*?)^\`\`\``, 'gm'))].map((m) => m[1]);
}

/** The code spans of the first cell of each row of the first table in `text`, `\|` unescaped. */
export function firstColumnCode(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('|') || /^\|\s*-/.test(line)) continue;
    const cell = line.split(/(?<!\\)\|/)[1] ?? '';
    for (const m of cell.matchAll(/`([^`]+)`/g)) out.push(m[1].replace(/\\\|/g, '|'));
  }
  return out;
}

export const read = (path: string) => readFileSync(path, 'utf8');
