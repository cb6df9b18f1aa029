// The chaos scenarios `seamline chaos` runs, by name: one file each in scenarios/, and what they share (the
// scenario shape and its verdict, the processes they start and kill, the counts they read back) in harness/.
import { brokerCrashScenario } from './scenarios/broker-crash.ts';
import { brokerRestartScenario } from './scenarios/broker-restart.ts';
import { consumerKillScenario } from './scenarios/consumer-kill.ts';
import { edgeKillScenario } from './scenarios/edge-kill.ts';
import { evidenceFaultsScenario } from './scenarios/evidence-faults.ts';
import { outboxFullScenario } from './scenarios/outbox-full.ts';
import { partitionScenario } from './scenarios/partition.ts';
import { poisonScenario } from './scenarios/poison.ts';
import type { ChaosScenario } from './harness/scenario.ts';
import { storeOutageScenario } from './scenarios/store-outage.ts';

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
