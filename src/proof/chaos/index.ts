// The chaos scenarios `seamline chaos` runs, by name: one file each in scenarios/, and what they share (the
// scenario shape and its verdict, the processes they start and kill, the counts they read back) in harness/.
import { BROKER_CRASH_CLI, brokerCrash, brokerCrashScenario } from './scenarios/broker-crash.ts';
import { brokerRestartScenario } from './scenarios/broker-restart.ts';
import { CONSUMER_KILL_CLI, consumerKill, consumerKillScenario } from './scenarios/consumer-kill.ts';
import { edgeKillScenario } from './scenarios/edge-kill.ts';
import { evidenceFaultsScenario } from './scenarios/evidence-faults.ts';
import { outboxFullScenario } from './scenarios/outbox-full.ts';
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
 * The scenarios whose size is a count of events, built for `seamline chaos --events N`; the others (edge-kill,
 * broker-restart, evidence-faults, partition, outbox-full) run for a time and keep their own size.
 */
export const SIZED: Record<string, (events: number) => ChaosScenario> = {
  poison: (n) => poisonAmong(n),
  'consumer-kill': (n) => consumerKill({ ...CONSUMER_KILL_CLI, events: n }),
  // Redelivering more stored events than half of what was published would ask for events not stored yet.
  'store-outage': (n) => storeOutage({ ...STORE_OUTAGE_CLI, events: n, redelivered: Math.min(2_000, Math.floor(n / 2)) }),
  'broker-crash': (n) => brokerCrash({ ...BROKER_CRASH_CLI, events: n }),
};
