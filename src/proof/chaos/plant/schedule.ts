import { seededRandom } from '../../../plumbing/seeded-random.ts';

/** The faults a plant run draws from: the ones the other scenarios inject one at a time. */
export const FAULT_KINDS = ['consumer-kill', 'broker-restart', 'store-outage', 'host-kill', 'camera-silent'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** How long each fault lasts before the plant is made whole again, seconds. */
export const FAULT_SECONDS: Record<FaultKind, number> = {
  // The killed consumer is started again with its client id after this (its session holds what it had in flight).
  'consumer-kill': 3,
  // Mosquitto stopped (SIGTERM: it writes its persistence file) and started again on the same port.
  'broker-restart': 3,
  // PostgreSQL crashed (SIGQUIT) and started again after this.
  'store-outage': 20,
  // A camera host SIGKILLed and started again after this, on the same outboxes: longer than camera_offline's `after`
  // (alerts-config.ts, 30 s; the will goes out at the kill, its sockets closed) and an evaluation, so it must page.
  'host-kill': 40,
  // A camera host frozen (SIGSTOP): its cameras send nothing, then it goes on (SIGCONT).
  'camera-silent': 20,
};

/** One fault of the schedule: when it starts (seconds into the run), what, and on which target (index). */
export interface PlannedFault {
  at_s: number;
  kind: FaultKind;
  /** Which consumer or camera host (0-based); 0 for the broker and the store. */
  target: number;
}

export interface ScheduleOptions {
  seed: number;
  runSeconds: number;
  consumers: number;
  hosts: number;
  /** Quiet seconds before the first fault (default 15). */
  warmupSeconds?: number;
  /** Quiet seconds after each fault, so its alerts can fire and resolve before the next (default 15-35, drawn). */
  gapSeconds?: [number, number];
  /** Seconds kept free of faults at the end (default 10). */
  tailSeconds?: number;
  /**
   * For a run whose memory is judged (its last half): kills go only to consumer 0 and host 0, so the other of
   * each pair lives the whole run, and from `spareFromSeconds` on the broker and the store are not restarted.
   * Then one process of every kind has a life that spans the judged half (a host climbs for about fifteen
   * minutes after it starts: one killed late in the run could not be judged, and every one was, in an hour with
   * 85 faults on random targets). Other runs draw every target.
   */
  spareFromSeconds?: number;
}

/** Whether a fault may be drawn at `at` in a run that spares processes from `spareFrom` (ScheduleOptions). */
const spared = (kind: FaultKind, at: number, spareFrom: number | undefined) =>
  spareFrom !== undefined && at >= spareFrom && (kind === 'broker-restart' || kind === 'store-outage');

/**
 * The faults of a run, drawn from a seeded generator: kinds in shuffled rounds (each round holds every kind once,
 * so a short run still sees several kinds and a long one sees each kind about as often), one at a time, each
 * followed by a drawn quiet gap. The same seed and length give the same schedule. The drawing stops at the first
 * fault that would not end before the tail.
 */
export function planFaults(o: ScheduleOptions): PlannedFault[] {
  const random = seededRandom(o.seed);
  const [gapMin, gapMax] = o.gapSeconds ?? [15, 35];
  const end = o.runSeconds - (o.tailSeconds ?? 10);
  const plan: PlannedFault[] = [];
  let at = o.warmupSeconds ?? 15;
  let round: FaultKind[] = [];
  for (;;) {
    if (round.length === 0) round = shuffled([...FAULT_KINDS], random);
    const kind = round.shift()!;
    if (spared(kind, at, o.spareFromSeconds)) continue;
    const killsOne = o.spareFromSeconds !== undefined && kind !== 'camera-silent';
    const target =
      kind === 'consumer-kill'
        ? Math.floor(random() * (killsOne ? 1 : o.consumers))
        : kind.startsWith('host') || kind === 'camera-silent'
          ? Math.floor(random() * (killsOne ? 1 : o.hosts))
          : 0;
    if (at + FAULT_SECONDS[kind] > end) break;
    plan.push({ at_s: Math.round(at), kind, target });
    at += FAULT_SECONDS[kind] + gapMin + random() * (gapMax - gapMin);
  }
  return plan;
}

function shuffled<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
