import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { buildProgram } from '../../src/cli/program.ts';
import { anchor, fencedBlocks, firstColumnCode, headings, links, markdownFiles, prose, read, ROOT, section, shortName } from './markdown.ts';
import { createSandbox, type Sandbox } from './sandbox.ts';

/**
 * The docs check themselves (issue 14): their links and the files they name exist, and the command lines a
 * newcomer copies from the README's command table and docs/edge.md's input examples run as written. They
 * run in a sandbox (sandbox.ts) where the documented defaults are free: a network namespace of its own with
 * Mosquitto on 127.0.0.1:1883 where a command expects a broker, and the root of a clone with no ./data yet.
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

/** README command table rows: `seamline <command> --help` stands for each command. */
function readmeCommands(): string[] {
  const table = section(read(join(ROOT, 'README.md')), /^## Commands/);
  const names = buildProgram().commands.map((c) => c.name()).filter((n) => n !== 'help');
  const lines = firstColumnCode(table).filter((c) => c.startsWith('seamline'));
  return lines.flatMap((line) => (line.includes('<command>') ? names.map((n) => line.replace('<command>', n)) : [line]));
}

let sandbox: Sandbox;
before(async () => {
  sandbox = await createSandbox();
});
after(async () => {
  await sandbox?.close();
});

/** What says a long-running command is up: then it is stopped with Ctrl-C and must exit 0. */
const RUNNING = /Seamline is running|"msg":"edge bridge running"|"msg":"consumer running"|"msg":"alerting running"/;

async function runAsWritten(line: string, timeoutMs: number): Promise<{ code: number | null; out: string; err: string; stopped: boolean }> {
  const ran = sandbox.spawn(line);
  let stopped = false;
  const deadline = Date.now() + timeoutMs;
  const exitedEarly = await new Promise<boolean>((resolve) => {
    const timer = setInterval(() => {
      if (RUNNING.test(ran.out() + ran.err())) {
        clearInterval(timer);
        resolve(false);
      } else if (Date.now() > deadline) {
        clearInterval(timer);
        ran.child.kill('SIGKILL');
        resolve(true);
      }
    }, 100);
    void ran.exited.then(() => {
      clearInterval(timer);
      resolve(true);
    });
  });
  if (!exitedEarly) {
    stopped = true;
    ran.child.kill('SIGINT');
  }
  const code = await ran.exited;
  return { code, out: ran.out(), err: ran.err(), stopped };
}

test('the README command table lists every command, each row a command line', { timeout: 30_000 }, () => {
  const lines = readmeCommands();
  for (const name of buildProgram().commands.map((c) => c.name()).filter((n) => n !== 'help')) {
    assert.ok(lines.some((l) => l.startsWith(`seamline ${name}`)), `the table has a row for seamline ${name}`);
  }
});

for (const line of readmeCommands()) {
  // `seamline start` takes 1883 itself; every other line that talks MQTT finds Mosquitto there, as it would on a
  // machine that followed the distributed shape.
  const wantsBroker = line !== 'seamline start';
  test(`README: \`${line}\` runs as written`, { timeout: 300_000 }, async () => {
    if (wantsBroker) await sandbox.startBroker();
    try {
      const r = await runAsWritten(line, 240_000);
      assert.equal(r.code, 0, `exit code of ${line}\n--- stdout\n${r.out.slice(-3000)}\n--- stderr\n${r.err.slice(-3000)}`);
      if (line.endsWith('--help')) assert.match(r.out, /^Usage: seamline/m);
      if (line.includes('--json')) assert.doesNotThrow(() => JSON.parse(r.out.trimEnd().split('\n').pop()!), 'the last line is JSON');
      if (r.stopped && line.startsWith('seamline start')) assert.match(r.out, /stopped: \d+ events/);
    } finally {
      await sandbox.stopBroker();
    }
  });
}

test('the alerts config example in docs/alerting.md is deploy/alerts/alerts.example.json', { timeout: 10_000 }, () => {
  const [example] = fencedBlocks(section(read(join(ROOT, 'docs/alerting.md')), /^## The config file/), 'json');
  assert.ok(example, 'docs/alerting.md shows a config');
  assert.deepEqual(JSON.parse(read(join(ROOT, 'deploy/alerts/alerts.example.json'))), JSON.parse(example));
});

const edgeExamples = fencedBlocks(section(read(join(ROOT, 'docs/edge.md')), /^## Input formats/), 'sh');

test('docs/edge.md has runnable input examples for stdin and HTTP', { timeout: 10_000 }, () => {
  assert.ok(edgeExamples.some((b) => b.includes('--stdin')), 'a stdin example');
  assert.ok(edgeExamples.some((b) => b.includes('/detections')), 'an HTTP example');
});

/** Every stdout line of an input example answers one record: accepted with event_id and seq, or refused. */
function answers(out: string): Record<string, unknown>[] {
  return out
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

edgeExamples.forEach((block, i) => {
  test(`docs/edge.md input example ${i + 1} runs as written and answers as documented`, { timeout: 120_000 }, async () => {
    await sandbox.startBroker();
    try {
      const ran = sandbox.spawn(block);
      const code = await ran.exited;
      assert.equal(code, 0, `--- stdout\n${ran.out()}\n--- stderr\n${ran.err()}`);
      const got = answers(ran.out());
      assert.ok(got.length > 0, 'it answered');
      for (const a of got) {
        const accepted = typeof a.event_id === 'string' && typeof a.seq === 'number';
        const refused = typeof a.error === 'string' && typeof a.reason === 'string';
        assert.ok(accepted !== refused, `an answer is either accepted or refused: ${JSON.stringify(a)}`);
      }
      // Logs never mix with answers: everything on stderr is the bridge's own JSON log.
      for (const l of ran.err().split('\n').filter(Boolean)) assert.equal(typeof (JSON.parse(l) as { level?: unknown }).level, 'number', l);
      if (block.includes('--stdin')) {
        assert.ok(got.some((a) => a.event_id) && got.some((a) => a.error === 'SEAM_ERR_INVALID_INPUT'), 'the stdin example shows an answer and a refusal');
      }
    } finally {
      await sandbox.stopBroker();
    }
  });
});
