import assert from 'node:assert/strict';
import { join } from 'node:path';
import { COMMANDS } from '../../src/cli/command-list.ts';
import { firstColumnCode, read, ROOT, section } from './markdown.ts';
import type { Sandbox } from './sandbox.ts';

/** The README's command table, one command line a row; `seamline <command> --help` stands for each command. */
export function readmeCommands(): string[] {
  const table = section(read(join(ROOT, 'README.md')), /^## Commands/);
  const names = commandNames();
  const lines = firstColumnCode(table).filter((c) => c.startsWith('seamline'));
  return lines.flatMap((line) => (line.includes('<command>') ? names.map((n) => line.replace('<command>', n)) : [line]));
}

export const commandNames = () => COMMANDS.map((c) => c.name);

/**
 * The rows are run in four files, so each stays under the suite's per-file limit on a busy machine; every row
 * belongs to exactly one (test/docs/links.test.ts checks that none is left out).
 */
export type Group = 'help' | 'bench' | 'chaos' | 'service';
export function groupOf(line: string): Group {
  if (line.endsWith('--help')) return 'help';
  if (line.startsWith('seamline bench ')) return 'bench';
  if (line.startsWith('seamline chaos ')) return 'chaos';
  return 'service';
}

/** What says a long-running command is up: then it is stopped with Ctrl-C and must exit 0. */
const RUNNING =
  /Seamline is running|"msg":"edge bridge running"|"msg":"edge cameras running"|"msg":"consumer running"|"msg":"alerting running"|"msg":"dashboard running"/;

export interface Outcome {
  code: number | null;
  out: string;
  err: string;
  /** True when the command was up and was stopped with Ctrl-C; false when it ended by itself. */
  stopped: boolean;
}

/** Runs a command line in the sandbox until it ends, or until it says it is running and then Ctrl-C. */
export async function runAsWritten(sandbox: Sandbox, line: string, timeoutMs: number): Promise<Outcome> {
  const ran = sandbox.spawn(line);
  const deadline = Date.now() + timeoutMs;
  const up = await new Promise<boolean>((resolve) => {
    const timer = setInterval(() => {
      if (RUNNING.test(ran.out() + ran.err())) {
        clearInterval(timer);
        resolve(true);
      } else if (Date.now() > deadline) {
        clearInterval(timer);
        ran.child.kill('SIGKILL');
        resolve(false);
      }
    }, 100);
    void ran.exited.then(() => {
      clearInterval(timer);
      resolve(false);
    });
  });
  if (up) ran.child.kill('SIGINT');
  const code = await ran.exited;
  return { code, out: ran.out(), err: ran.err(), stopped: up };
}

/** What every row must show: exit 0, and what its kind of command promises. */
export function assertRan(line: string, r: Outcome): void {
  assert.equal(r.code, 0, `exit code of ${line}\n--- stdout\n${r.out.slice(-3000)}\n--- stderr\n${r.err.slice(-3000)}`);
  if (line.endsWith('--help')) assert.match(r.out, /^Usage: seamline/m);
  if (line.includes('--json')) assert.doesNotThrow(() => JSON.parse(r.out.trimEnd().split('\n').pop()!), 'the last line is JSON');
  if (r.stopped && line.startsWith('seamline start')) assert.match(r.out, /stopped: \d+ events/);
}
