import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { commandNames, groupOf, readmeCommands } from './commands.ts';
import { anchor, fencedBlocks, headings, links, markdownFiles, prose, read, ROOT, section, shortName } from './markdown.ts';

/**
 * The docs check themselves (issue 14): their links and the files they name exist. The command lines a newcomer
 * copies from the README's command table and docs/edge.md's input examples run as written in readme-*.test.ts
 * and edge-examples.test.ts.
 */

test('every relative link in README.md, docs/ and deploy/ resolves to a file, and its #anchor to a heading', { timeout: 30_000 }, () => {
  const broken: string[] = [];
  let checked = 0;
  for (const file of markdownFiles()) {
    for (const target of links(read(file))) {
      if (/^[a-z]+:/i.test(target)) continue; // http:, https:, mailto:
      checked++;
      const [path, fragment] = target.split('#');
      const resolved = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
      if (!existsSync(resolved)) {
        broken.push(`${shortName(file)}: ${target} (no such file)`);
        continue;
      }
      if (fragment && resolved.endsWith('.md') && !headings(read(resolved)).has(anchor(decodeURIComponent(fragment)))) {
        broken.push(`${shortName(file)}: ${target} (no such heading)`);
      }
    }
  }
  assert.ok(checked > 20, `the links were found (${checked})`);
  assert.deepEqual(broken, []);
});

test('every .md file and repository path the docs name in prose exists', { timeout: 30_000 }, () => {
  const missing: string[] = [];
  const mdNames = new Set(markdownFiles().map((f) => f.split('/').pop()));
  for (const file of markdownFiles()) {
    const text = prose(read(file));
    // A bare `name.md` ("see design.md") must be one of the repository's documents.
    for (const m of text.matchAll(/(?<![\w/.-])([\w-]+\.md)\b/g)) {
      if (!mdNames.has(m[1])) missing.push(`${shortName(file)}: ${m[1]}`);
    }
    // A path in backticks that starts at a top-level folder must exist (globs and placeholders excepted).
    for (const m of text.matchAll(/`((?:src|test|docs|deploy|scripts|bin)\/[\w./-]+)`/g)) {
      const path = m[1].replace(/\/$/, '');
      if (/[*<]/.test(path)) continue;
      if (!existsSync(join(ROOT, path))) missing.push(`${shortName(file)}: ${path}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('the README command table has a row for every command, and each row is run by one of the readme-* tests', { timeout: 30_000 }, () => {
  const lines = readmeCommands();
  for (const name of commandNames()) {
    assert.ok(
      lines.some((l) => l.startsWith(`seamline ${name}`)),
      `the table has a row for seamline ${name}`,
    );
  }
  const groups = new Set(lines.map(groupOf));
  assert.deepEqual([...groups].sort(), ['bench', 'chaos', 'help', 'service'], 'every group file has rows to run');
});

test('the alerts config example in docs/alerting.md is deploy/alerts/alerts.example.json', { timeout: 10_000 }, () => {
  const [example] = fencedBlocks(section(read(join(ROOT, 'docs/alerting.md')), /^## The config file/), 'json');
  assert.ok(example, 'docs/alerting.md shows a config');
  assert.deepEqual(JSON.parse(read(join(ROOT, 'deploy/alerts/alerts.example.json'))), JSON.parse(example));
});

test('docs/edge.md has runnable input examples for stdin and HTTP', { timeout: 10_000 }, () => {
  const blocks = fencedBlocks(section(read(join(ROOT, 'docs/edge.md')), /^## Input formats/), 'sh');
  assert.ok(
    blocks.some((b) => b.includes('--stdin')),
    'a stdin example',
  );
  assert.ok(
    blocks.some((b) => b.includes('/detections')),
    'an HTTP example',
  );
});
