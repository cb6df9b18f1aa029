// The chaos scenarios `seamline chaos` runs, by name: one file each in scenarios/, and what they share (the
// scenario shape and its verdict, the processes they start and kill, the counts they read back) in harness/.
import { BROKER_CRASH_CLI, brokerCrash, brokerCrashScenario } from './scenarios/broker-crash.ts';
import { BROKER_RESTART_CLI, brokerRestart, brokerRestartScenario } from './scenarios/broker-restart.ts';
import { CONSUMER_KILL_CLI, consumerKill, consumerKillScenario } from './scenarios/consumer-kill.ts';
import { EDGE_KILL_CLI, edgeKill, edgeKillScenario } from './scenarios/edge-kill.ts';
import { EVIDENCE_FAULTS_CLI, EVIDENCE_FAULTS_SIZED, evidenceFaults, evidenceFaultsScenario } from './scenarios/evidence-faults.ts';
import { OUTBOX_FULL_CLI, OUTBOX_FULL_SIZED_RATE, outboxFull, outboxFullScenario } from './scenarios/outbox-full.ts';
import { partitionScenario } from './scenarios/partition.ts';
import { poisonAmong, poisonScenario } from './scenarios/poison.ts';
import type { ChaosScenario } from './harness/scenario.ts';
import { STORE_OUTAGE_CLI, storeOutage, storeOutageScenario } from './scenarios/store-outage.ts';

/** Every scenario by name; `seamline chaos all` runs them in this order. */
export const SCENARIOS: ChaosScenario[] = [
  edgeKillScenario,
  brokerRestartScenario,
  poisonScenario,
  consumerKillScenario,
  storeOutageScenario,
  brokerCrashScenario,
  evidenceFaultsScenario,
  partitionScenario,
  outboxFullScenario,
];

/**
 * The scenarios `seamline chaos --events N` sizes. poison, consumer-kill, store-outage and broker-crash are counts
 * of events anyway; edge-kill, broker-restart, evidence-faults and outbox-full run for a time by default and, sized,
 * run until N events were answered, their faults at fractions of N and at a higher rate (2,000 events/s where the
 * default is 1,000 or less), so that 100,000 take a few minutes. partition runs for a time only (120 s of cut at
 * 1,000 events/s, over 100,000 events) and refuses it.
 */
export const SIZED: Record<string, (events: number) => ChaosScenario> = {
  'edge-kill': (n) => edgeKill({ ...EDGE_KILL_CLI, events: n }),
  'broker-restart': (n) => brokerRestart({ ...BROKER_RESTART_CLI, events: n, rate: 2_000 }),
  'evidence-faults': (n) => evidenceFaults({ ...EVIDENCE_FAULTS_CLI, ...EVIDENCE_FAULTS_SIZED, events: n }),
  'outbox-full': (n) => outboxFull({ ...OUTBOX_FULL_CLI, rate: OUTBOX_FULL_SIZED_RATE, events: n }),
  poison: (n) => poisonAmong(n),
  'consumer-kill': (n) => consumerKill({ ...CONSUMER_KILL_CLI, events: n }),
  // Redelivering more stored events than half of what was published would ask for events not stored yet.
  'store-outage': (n) => storeOutage({ ...STORE_OUTAGE_CLI, events: n, redelivered: Math.min(2_000, Math.floor(n / 2)) }),
  'broker-crash': (n) => brokerCrash({ ...BROKER_CRASH_CLI, events: n }),
};
