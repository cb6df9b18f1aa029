import { readFileSync } from 'node:fs';
import { assertValid, compile, isSeamError, SeamError } from '../contract/index.ts';
import { AlertsConfigSchema, type AlertsConfigInput, type ReceiverInput, type Severity } from './config/schema.ts';
import { parseDuration } from './config/duration.ts';
import { NOTIFIER_TYPES } from './notifiers/index.ts';
import { RULE_KINDS } from './rules/index.ts';
import type { RuleKind } from './rules/rule-kind.ts';
import type { StoreReader } from '../store/reader.ts';
import type { CameraSelector } from './config/selector.ts';
import { ShiftCalendar } from './config/shift-calendar.ts';
import { shiftsOf } from './config/shift-section.ts';
import { parseHandover, type HandoverSettings } from './handover/settings.ts';

/** A rule after validation: durations in ms, its kind resolved, params checked against the kind's schema. */
export interface AlertRule {
  name: string;
  kind: RuleKind<never>;
  severity: Severity;
  forMs: number;
  keepFiringForMs: number;
  shifts?: string[];
  select: CameraSelector;
  labels: Record<string, string>;
  receivers: string[];
  repeatIntervalMs: number;
  params: Record<string, unknown>;
}

export interface AlertsConfig {
  evaluateEveryMs: number;
  calendar: ShiftCalendar;
  expectedCameras: string[];
  receivers: ReceiverInput[];
  groupBy: string[];
  rules: AlertRule[];
  /** Where notifications link to (no trailing slash); absent: no links, unless the dashboard beside the engine sets one. */
  dashboardUrl?: string;
  /** A notice at each shift end (handover/); absent without a `handover` section. */
  handover?: HandoverSettings;
  /** The file as given, for the Grafana export. */
  source: AlertsConfigInput;
}

const validateTop = compile(AlertsConfigSchema);
const paramValidators = new Map([...RULE_KINDS].map(([kind, k]) => [kind, compile(k.params)]));

const bad = (field: string, reason: string) => new SeamError('SEAM_ERR_CONFIG', `alerts config: ${field} ${reason}`, { field });

/**
 * Validates an alerts config (parsed JSON) as a whole: the schema first, then what a schema cannot say
 * (known kinds, zones, shift and receiver names, unique names). The first problem is thrown as
 * SEAM_ERR_CONFIG naming its field path, e.g. `rules[2].params.window must be a duration such as 30s`.
 */
export function parseAlertsConfig(input: unknown): AlertsConfig {
  try {
    assertValid(validateTop, input, 'alerts config');
  } catch (err) {
    if (isSeamError(err)) throw new SeamError('SEAM_ERR_CONFIG', err.message, { field: err.field, cause: err });
    throw err;
  }
  const c = input as AlertsConfigInput;
  const shifts = shiftsOf(c, 'alerts config');
  const receiverNames = new Set<string>();
  c.receivers.forEach((r, i) => {
    if (receiverNames.has(r.name)) throw bad(`receivers[${i}].name`, `repeats ${JSON.stringify(r.name)}`);
    receiverNames.add(r.name);
    const type = NOTIFIER_TYPES.get(r.type);
    if (!type) throw bad(`receivers[${i}].type`, `must be one of ${[...NOTIFIER_TYPES.keys()].join(', ')}`);
    if (type.needsUrl && !r.url) throw bad(`receivers[${i}].url`, `is required for a ${r.type} receiver`);
  });
  const checkReceivers = (names: string[], field: string) =>
    names.forEach((n, i) => {
      if (!receiverNames.has(n)) throw bad(`${field}[${i}]`, `names no receiver: ${JSON.stringify(n)}`);
    });
  checkReceivers(c.route.receivers, 'route.receivers');
  const repeat = parseDuration(c.route.repeatInterval ?? '4h');
  const names = new Set<string>();
  const rules = c.rules.map((r, i): AlertRule => {
    const at = `rules[${i}]`;
    if (names.has(r.name)) throw bad(`${at}.name`, `repeats ${JSON.stringify(r.name)}`);
    names.add(r.name);
    const kind = RULE_KINDS.get(r.kind);
    if (!kind) throw bad(`${at}.kind`, `must be one of ${[...RULE_KINDS.keys()].join(', ')}`);
    try {
      assertValid(paramValidators.get(r.kind)!, r.params ?? {}, `${r.kind} params`);
    } catch (err) {
      if (!isSeamError(err)) throw err;
      const field = err.field === '(root)' ? `${at}.params` : `${at}.params.${err.field}`;
      throw bad(field, err.message.replace(/^[^:]+: \S+ /, ''));
    }
    r.shifts?.forEach((s, j) => {
      if (!shifts.some((x) => x.name === s)) throw bad(`${at}.shifts[${j}]`, `names no shift: ${JSON.stringify(s)}`);
    });
    if (r.receivers) checkReceivers(r.receivers, `${at}.receivers`);
    return {
      name: r.name,
      kind,
      severity: r.severity,
      forMs: parseDuration(r.for ?? '0s'),
      keepFiringForMs: parseDuration(r.keepFiringFor ?? '0s'),
      shifts: r.shifts,
      select: r.select ?? {},
      labels: r.labels ?? {},
      receivers: r.receivers ?? c.route.receivers,
      repeatIntervalMs: parseDuration(r.repeatInterval ?? c.route.repeatInterval ?? '4h') || repeat,
      params: r.params ?? {},
    };
  });
  const handover =
    c.handover &&
    parseHandover(
      c.handover,
      receiverNames,
      shifts.map((s) => s.name),
    );
  return {
    evaluateEveryMs: Math.max(100, parseDuration(c.evaluateEvery ?? '5s')),
    calendar: new ShiftCalendar(shifts, c.daysOff),
    expectedCameras: c.expectedCameras ?? [],
    receivers: c.receivers,
    groupBy: c.route.groupBy ?? ['alertname'],
    rules,
    ...(c.dashboardUrl ? { dashboardUrl: c.dashboardUrl.replace(/\/+$/, '') } : {}),
    ...(handover ? { handover } : {}),
    source: c,
  };
}

/** A rule kind that needs what the store does not have (the line-protocol stores: capabilities.ts) is refused at start. */
export function assertReaderServes(config: AlertsConfig, reader: Pick<StoreReader, 'capabilities'>): void {
  config.rules.forEach((r, i) => {
    for (const capability of r.kind.needs ?? []) {
      if (reader.capabilities[capability] === null) {
        throw bad(`rules[${i}].kind`, `${r.kind.kind} needs a store with ${capability} (duckdb or postgres)`);
      }
    }
  });
}

/** Reads and validates an alerts config file (JSON); a missing or broken file names the file. */
export function loadAlertsConfig(path: string): AlertsConfig {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new SeamError('SEAM_ERR_CONFIG', `cannot read alerts config ${path}: ${(cause as Error).message}`, { field: 'alerts', cause });
  }
  return parseAlertsConfig(value);
}
