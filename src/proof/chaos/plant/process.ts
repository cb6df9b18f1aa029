import { spawn, type ChildProcess } from 'node:child_process';
import { killWithUs } from '../../../plumbing/children.ts';
import { seamlineArgs } from '../../../plumbing/modules.ts';
import { waitUntil } from '../harness/wait-until.ts';

/**
 * One `seamline <command>` of the plant in a process of its own, as it would run on its own host: started again
 * with the same arguments after a crash (`start()` once more), killed, frozen and thawed, stopped with SIGTERM.
 * Keeps the tail of its log (stderr and stdout) for the error when it fails, and counts exits nobody asked for.
 */
export class PlantProcess {
  child: ChildProcess | undefined;
  /** Exits we did not cause (not a kill or stop of ours): a process of the plant that died by itself. */
  unexpectedExits: string[] = [];
  private tail = '';
  private expecting = false;

  constructor(
    readonly name: string,
    private readonly args: string[],
    /** A line of its log that says it is running. */
    private readonly readyText: string,
    private readonly onPid: (pid: number, name: string) => void = () => {},
  ) {}

  async start(timeoutMs = 60_000): Promise<void> {
    this.tail = '';
    this.expecting = false;
    const child = killWithUs(spawn(process.execPath, seamlineArgs(this.args), { stdio: ['ignore', 'pipe', 'pipe'] }));
    this.child = child;
    const keep = (d: Buffer) => (this.tail = (this.tail + d.toString()).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('exit', (code, signal) => {
      if (!this.expecting) this.unexpectedExits.push(`${this.name} exited (${code ?? signal}): ${this.tail.slice(-600)}`);
    });
    if (child.pid) this.onPid(child.pid, this.name);
    const ready = await waitUntil(
      () => this.tail.includes(this.readyText) || child.exitCode !== null || child.signalCode !== null,
      timeoutMs,
    );
    if (!ready || child.exitCode !== null || child.signalCode !== null) {
      this.expecting = true;
      child.kill('SIGKILL');
      throw new Error(`${this.name} did not start within ${timeoutMs} ms: ${this.tail.slice(-2000)}`);
    }
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL, as a crashed host; resolves once it is gone. */
  async kill(): Promise<void> {
    await this.signalAndWait('SIGKILL', 10_000);
  }

  /** SIGTERM and wait (SIGKILL after `graceMs`): a clean stop that drains what it holds. */
  async stop(graceMs = 30_000): Promise<void> {
    this.resume();
    await this.signalAndWait('SIGTERM', graceMs);
  }

  /** SIGSTOP: the process hangs as a frozen host does, sockets open, nothing sent. */
  pause(): void {
    if (this.running) this.child!.kill('SIGSTOP');
  }

  resume(): void {
    if (this.running) this.child!.kill('SIGCONT');
  }

  log(): string {
    return this.tail;
  }

  private async signalAndWait(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.expecting = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
