import type { FaultKind } from './schedule.ts';

/** A fault as it was injected: when (seconds into the run), what, on what, and the cameras it touched. */
export interface InjectedFault {
  kind: FaultKind;
  target: string;
  start_s: number;
  end_s: number;
  /** `region/site/camera` of the cameras it touched; empty for the ones that touch all (broker, store, consumer). */
  cameras: string[];
}

/** A firing notification the webhook receiver took, one per alert in it (repeats left out). */
export interface FiredAlert {
  rule: string;
  /** `region/site/camera`, or '' for a rule-wide alert. */
  camera: string;
  /** When it started firing, seconds into the run. */
  at_s: number;
}

/** Alert rules of the plant (alerts-config.ts writes them). */
export const RULES = { silent: 'camera-silent', offline: 'camera-offline', lag: 'lag' } as const;

/** The alert a fault must raise, per camera it touched (or once when it touched none): none for the two the plant rides out. */
export const EXPECTED: Record<FaultKind, string | undefined> = {
  'camera-silent': RULES.silent,
  'host-kill': RULES.offline,
  'store-outage': RULES.lag,
  'consumer-kill': undefined,
  'broker-restart': undefined,
};

/**
 * Which faults may explain an alert of each rule, and whether only for the cameras the fault touched ('own') or
 * for every camera ('all'). A killed host's cameras are silent too; a broker that restarted can leave every camera
 * with nothing stored for a moment; anything that delays events raises lag. A store outage explains no silent
 * camera: the engine, which could not read the store either, does not judge silence until the consumers have caught
 * up (alerting/rules/silent-camera.ts), and the outage pages as lag.
 */
const EXPLAINS: Record<string, Partial<Record<FaultKind, 'own' | 'all'>>> = {
  [RULES.silent]: { 'camera-silent': 'own', 'host-kill': 'own', 'broker-restart': 'all' },
  // A frozen host's keepalive can lapse, and the broker then sends its will. A broker restart explains no offline page:
  // its wills (Mosquitto stopped cleanly sends them all) are undone by the births well within `after`.
  [RULES.offline]: { 'host-kill': 'own', 'camera-silent': 'own' },
  [RULES.lag]: { 'camera-silent': 'all', 'host-kill': 'all', 'store-outage': 'all', 'broker-restart': 'all', 'consumer-kill': 'all' },
};

/** How long after a fault ended its alerts may still start firing, seconds: a rule's window plus evaluations. */
export const EXPLAIN_AFTER_S = 45;

const within = (f: InjectedFault, a: FiredAlert) => a.at_s >= f.start_s - 1 && a.at_s <= f.end_s + EXPLAIN_AFTER_S;

export function explains(f: InjectedFault, a: FiredAlert): boolean {
  const how = EXPLAINS[a.rule]?.[f.kind];
  if (!how || !within(f, a)) return false;
  return how === 'all' || a.camera === '' || f.cameras.includes(a.camera);
}

/** What each fault raised, and whether it raised what it must. */
export interface FaultOutcome extends InjectedFault {
  expected_alert: string | null;
  /** The alerts it explains, `rule camera @ t`. */
  alerts: string[];
  /** Its expected alert fired for every camera it touched (true when it has none to expect). */
  alert_seen: boolean;
}

const label = (a: FiredAlert) => `${a.rule}${a.camera ? ` ${a.camera}` : ''} @ ${a.at_s} s`;

/** Matches the alerts that fired against the faults: per fault what it raised, and the alerts no fault explains. */
export function attribute(faults: InjectedFault[], alerts: FiredAlert[]): { faults: FaultOutcome[]; unexplained: string[] } {
  const outcomes = faults.map((f) => {
    const expected = EXPECTED[f.kind];
    const mine = alerts.filter((a) => explains(f, a));
    const wanted = f.cameras.length ? f.cameras : [''];
    const seen =
      expected === undefined ||
      wanted.every((camera) => mine.some((a) => a.rule === expected && (camera === '' || a.camera === '' || a.camera === camera)));
    return { ...f, expected_alert: expected ?? null, alerts: mine.map(label), alert_seen: seen };
  });
  const unexplained = alerts.filter((a) => !faults.some((f) => explains(f, a))).map(label);
  return { faults: outcomes, unexplained };
}
