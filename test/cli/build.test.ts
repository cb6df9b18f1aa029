import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

/**
 * The compiled start (scripts/build.mjs, bin/seamline.js) on a repository of its own: the real bin/, scripts/ and
 * package.json, the real node_modules, and a src/ of three modules whose cli/main says which form ran.
 */
const REPO = new URL('../../', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'seamline-build-'));
after(() => rmSync(root, { recursive: true, force: true }));
for (const part of ['bin', 'scripts', 'package.json']) cpSync(join(REPO, part), join(root, part), { recursive: true });
symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
mkdirSync(join(root, 'src/cli'), { recursive: true });
mkdirSync(join(root, 'src/edge'), { recursive: true });
const write = (path: string, text: string) => writeFileSync(join(root, 'src', path), text);
write('edge/answer.ts', 'export const answer: number = 42;\n');
write('edge/lazy.ts', "export const job: string = 'loaded when asked';\n");
const main = (extra = '') =>
  write(
    'cli/main.ts',
    `import { answer } from '../edge/answer.ts';
const form: string = import.meta.url.endsWith('.js') ? 'dist' : 'src';
const { job } = await import('../edge/lazy.ts');
console.log(JSON.stringify({ form, answer, job${extra} }));
`,
  );
main();

const node = (...args: string[]) => spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
const build = (...flags: string[]) => node('scripts/build.mjs', ...flags);
function ran(): { form: string; answer: number; job: string; edited?: boolean } {
  const r = node('bin/seamline.js');
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('bin runs the sources until a build, then the build, and the sources again once any source changes', { timeout: 120_000 }, () => {
  assert.equal(ran().form, 'src', 'no dist/ yet: the sources through tsx');
  const b = build();
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stderr, /built dist\/ from 3 modules \(1 entries\)/);
  assert.deepEqual(
    ran(),
    { form: 'dist', answer: 42, job: 'loaded when asked' },
    'compiled and bundled, the dynamic import a chunk of its own',
  );
  assert.ok(
    readdirSync(join(root, 'dist/chunks')).some((f) => f.startsWith('lazy-') && f.endsWith('.js')),
    'split, not inlined',
  );

  main(', edited: true');
  assert.deepEqual(ran(), { form: 'src', answer: 42, job: 'loaded when asked', edited: true }, 'an edit: never the stale build');
  assert.equal(build('--if-stale').status, 0);
  assert.equal(ran().form, 'dist', '--if-stale rebuilt it');
  const again = build('--if-stale');
  assert.equal(again.stderr, '', '--if-stale on a fresh build does nothing');

  write('edge/new.ts', 'export {};\n');
  assert.equal(ran().form, 'src', 'a file added: stale');
  build();
  rmSync(join(root, 'src/edge/new.ts'));
  assert.equal(ran().form, 'src', 'a file removed: stale');
  build();
  rmSync(join(root, 'dist/.fingerprint'));
  assert.equal(ran().form, 'src', 'a build cut short (no fingerprint): the sources');
});

test('a build that would leave a relative .ts path in the output, start a worker that is not there or import() a bundled package, is refused in one line and leaves no fingerprint', {
  timeout: 60_000,
}, () => {
  write('edge/spawner.ts', "export const worker = new URL('./worker.ts', import.meta.url);\n");
  write('cli/main.ts', "import { worker } from '../edge/spawner.ts';\nconsole.log(worker.href);\n");
  const left = build();
  assert.notEqual(left.status, 0);
  assert.match(left.stderr, /^seamline build: cli\/main\.js: a relative \.ts path is left in the output: "\.\/worker\.ts"$/m);
  assert.match(node('bin/seamline.js').stdout, /\/src\/edge\/worker\.ts\n$/, 'no fingerprint: bin runs the sources');

  write('edge/spawner.ts', "export const worker = workerModule('edge/gone');\nfunction workerModule(n: string) { return n; }\n");
  const missing = build();
  assert.notEqual(missing.status, 0);
  assert.equal(missing.stderr, "seamline build: workerModule('edge/gone') names no file (src/edge/gone.ts)\n");
  rmSync(join(root, 'src/edge/spawner.ts'));

  write('edge/lazy.ts', "export const job = async () => (await import('prom-client')).Registry;\n");
  const dynamic = build();
  assert.notEqual(dynamic.status, 0);
  assert.equal(
    dynamic.stderr,
    "seamline build: src/edge/lazy.ts: import('prom-client') of a bundled package would give only its default export; import it statically in a module of ours and import() that\n",
  );
  write('edge/lazy.ts', "export const job: string = 'loaded when asked';\n");
  main();
});
