import { brokerCrashScenario } from './broker-crash.ts';
import { brokerRestartScenario } from './broker-restart.ts';
import { consumerKillScenario } from './consumer-kill.ts';
import { edgeKillScenario } from './edge-kill.ts';
import { poisonScenario } from './poison.ts';
import type { ChaosScenario } from './scenario.ts';
import { storeOutageScenario } from './store-outage.ts';

/** Every scenario by name; `seamline chaos all` runs them in this order. */
export const SCENARIOS: ChaosScenario[] = [
  edgeKillScenario,
  brokerRestartScenario,
  poisonScenario,
  consumerKillScenario,
  storeOutageScenario,
  brokerCrashScenario,
];
