import { runJsonWorker } from '../../plumbing/children.ts';
import { workerModule } from '../../plumbing/modules.ts';
import type { PublishJob } from './publish-worker.ts';

const WORKER = workerModule('proof/bench/publish-worker').pathname;

/** Runs the publish worker in its own process and resolves with what it printed. */
export const publishInWorker = (job: PublishJob) =>
  runJsonWorker<{ published: number; ms: number; images: number }>(WORKER, job, 'publish worker');
