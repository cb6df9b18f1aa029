import { spawn, type ChildProcess } from 'node:child_process';
import type { EvidenceQueueStats } from '../../../edge/evidence-queue/counters.ts';
import { killWithUs } from '../../../plumbing/children.ts';
import { nodeArgsFor, workerModule } from '../../../plumbing/modules.ts';
import type { EvidenceEdgeJob } from './evidence-edge.ts';
import { waitUntil } from './wait-until.ts';

const WORKER = workerModule('proof/chaos/harness/evidence-edge').pathname;

type QueueStats = EvidenceQueueStats & { in_flight: number; connected: boolean };

/** What every life of the evidence edge told us, and what it left behind. */
export interface EdgeLedger {
  /** Events the bridges answered for, all lives. */
  accepted: Set<string>;
  /** Images stored in the image queue with their number (captured), all lives. */
  queued: Set<string>;
}

/**
 * One life of the evidence edge process (evidence-edge.ts): started on a data directory, fed from its stdout
 * into the shared ledger, ended by SIGKILL (a crash) or SIGTERM (a graceful stop that drains the image queue).
 */
export class EdgeLife {
  /** The image queue's counters as last reported, and as reported first (its `restored`). */
  last: QueueStats | undefined;
  first: QueueStats | undefined;
  /** After a graceful stop: the counters once the queue drained. */
  final: QueueStats | undefined;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private ready = false;
  private err = '';

  constructor(job: EvidenceEdgeJob, ledger: EdgeLedger) {
    this.child = killWithUs(spawn(process.execPath, [...nodeArgsFor(WORKER), JSON.stringify(job)], { stdio: ['pipe', 'pipe', 'pipe'] }));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.stderr!.on('data', (d) => (this.err = (this.err + d).slice(-4000)));
    let buffered = '';
    this.child.stdout!.on('data', (d) => {
      buffered += d;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        this.take(JSON.parse(buffered.slice(0, nl)), ledger);
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
      }
    });
  }

  private take(msg: { a?: string; i?: string; q?: QueueStats; final?: QueueStats; ready?: boolean }, ledger: EdgeLedger): void {
    if (msg.a) ledger.accepted.add(msg.a);
    else if (msg.i) ledger.queued.add(msg.i);
    else if (msg.q) {
      this.last = msg.q;
      this.first ??= msg.q;
    } else if (msg.final) this.final = msg.final;
    else if (msg.ready) this.ready = true;
  }

  static async start(job: EvidenceEdgeJob, ledger: EdgeLedger): Promise<EdgeLife> {
    const life = new EdgeLife(job, ledger);
    if (!(await waitUntil(() => life.ready || life.child.exitCode !== null, 30_000)) || !life.ready) {
      life.child.kill('SIGKILL');
      throw new Error(`evidence edge did not start: ${life.err}`);
    }
    return life;
  }

  stopFeeding(): void {
    this.child.stdin!.write('stop\n');
  }

  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Graceful: stop feeding, drain the image queue, close. */
  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }

  get stderr(): string {
    return this.err;
  }
}
