/**
 * The layout a newcomer reads (issue 24): the folders docs/architecture.md names are the folders there are,
 * files and folders stay small enough to read at once, no folder imports another that imports it back, and
 * data flows one way between the boxes. Function length is the linter's (biome.json, 80 lines in src/).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { cycles, folderGraph, ROOT, sourceFiles, sourceFolders } from './source-tree.ts';

const MAX_FILE_LINES = 300;
const MAX_FOLDER_FILES = 15;

/**
 * Which boxes each box may import, besides itself: the contract and the plumbing are the ground floor;
 * data flows edge -> broker -> consumer -> store -> dashboard and alerting; cli composes everything, and
 * only cli reaches the proof machinery, which may use any box to prove it.
 */
const MAY_IMPORT: Record<string, string[]> = {
  contract: [],
  plumbing: ['contract'],
  edge: ['contract', 'plumbing'],
  broker: ['contract', 'plumbing'],
  store: ['contract', 'plumbing'],
  consumer: ['contract', 'plumbing', 'store'],
  dashboard: ['contract', 'plumbing', 'store'],
  alerting: ['contract', 'plumbing', 'store'],
  proof: ['contract', 'plumbing', 'edge', 'broker', 'store', 'consumer', 'dashboard', 'alerting'],
  cli: ['contract', 'plumbing', 'edge', 'broker', 'store', 'consumer', 'dashboard', 'alerting', 'proof'],
};

test('docs/architecture.md lists every folder under src/, one line each, and none that is not there', { timeout: 10_000 }, () => {
  const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
  const listed = [...doc.matchAll(/^\| `(src\/[^`]*?)\/?` \|/gm)].map((m) => m[1]);
  const folders = sourceFolders().filter((f) => f !== 'src');
  assert.deepEqual([...listed].sort(), [...new Set(listed)].sort(), 'a folder listed twice');
  assert.deepEqual(
    folders.filter((f) => !listed.includes(f)),
    [],
    'folders docs/architecture.md does not list',
  );
  assert.deepEqual(
    listed.filter((f) => !folders.includes(f)),
    [],
    'folders docs/architecture.md lists that do not exist',
  );
});

test(`no file under src/ is over ${MAX_FILE_LINES} lines`, { timeout: 10_000 }, () => {
  const long = sourceFiles()
    .filter((f) => !f.endsWith('.png') && !f.endsWith('.onnx'))
    .map((f) => [f, readFileSync(join(ROOT, f), 'utf8').split('\n').length - 1] as const)
    .filter(([, lines]) => lines > MAX_FILE_LINES);
  assert.deepEqual(long, []);
});

test(`no folder under src/ holds more than ${MAX_FOLDER_FILES} files`, { timeout: 10_000 }, () => {
  const count = new Map<string, number>();
  for (const f of sourceFiles()) count.set(dirname(f), (count.get(dirname(f)) ?? 0) + 1);
  assert.deepEqual(
    [...count].filter(([, n]) => n > MAX_FOLDER_FILES),
    [],
  );
});

test('no folder imports a folder that imports it back, at any depth', { timeout: 10_000 }, () => {
  assert.deepEqual(cycles(folderGraph()), []);
});

test('data flows one way between the boxes, and only cli/ imports proof/', { timeout: 10_000 }, () => {
  const box = (folder: string) => folder.split('/')[1];
  const against: string[] = [];
  for (const [from, tos] of folderGraph()) {
    for (const to of tos) {
      if (box(from) === box(to) || !to.startsWith('src/')) continue;
      if (!(MAY_IMPORT[box(from)] ?? []).includes(box(to))) against.push(`${from} -> ${to}`);
    }
  }
  assert.deepEqual(against, []);
  assert.deepEqual(
    Object.keys(MAY_IMPORT).sort(),
    sourceFolders()
      .filter((f) => f.split('/').length === 2)
      .map(box)
      .sort(),
    'every box has a rule',
  );
});

test('the layout checks see what they check: a cycle and a long file are found when planted', { timeout: 10_000 }, () => {
  const planted = new Map([
    ['src/a', new Set(['src/a/b'])],
    ['src/a/b', new Set(['src/c'])],
    ['src/c', new Set(['src/a'])],
  ]);
  assert.deepEqual(cycles(planted), [['src/a', 'src/a/b', 'src/c']]);
  assert.ok(sourceFiles().length > 200, 'the tree is read');
  assert.ok(
    [...folderGraph().values()].some((s) => s.size > 0),
    'imports are read',
  );
});
