import type { CameraId } from '../../contract/index.ts';
import type { EvidenceWindow } from './evidence-link.ts';

/**
 * Prometheus/Alertmanager states: `inactive` (condition false), `pending` (true, for less than `for`),
 * `firing`, and `resolved` (was firing, condition false for longer than keep_firing_for, or its shift
 * ended). A resolved instance becomes pending again when the condition returns.
 */
export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved';

/** One alert instance: per camera, or per rule for store-wide kinds. Persisted as is (store/alert-state.ts). */
export interface AlertInstance {
  /** `rule` or `rule|region/site/camera`. */
  key: string;
  rule: string;
  camera?: CameraId;
  severity: string;
  labels: Record<string, string>;
  state: AlertState;
  /** When the condition started holding (pending since). */
  activeAt: number | null;
  firedAt: number | null;
  /** Last evaluation at which the condition held (for keep_firing_for). */
  lastTrueAt: number | null;
  resolvedAt: number | null;
  /** Last firing notice (first or repeat), for repeat_interval. */
  lastNotifiedAt: number | null;
  value: number;
  summary: string;
  /** The images behind the latest observation, when the rule kind names them. */
  evidence?: EvidenceWindow;
  /** Counts notifying transitions; `key#seq` is the id of each (sent to receivers as transition_id). */
  seq: number;
}

export type Transition = 'firing' | 'resolved' | 'repeat';

export interface StepInput {
  nowMs: number;
  holds: boolean;
  /** Outside the rule's shifts: pending is dropped, firing resolves at once (the shift is over). */
  inShift: boolean;
  forMs: number;
  keepFiringForMs: number;
  repeatIntervalMs: number;
}

/** Advances one instance by one evaluation, in place. Returns the transition that must be notified, if any. */
export function step(a: AlertInstance, s: StepInput): Transition | undefined {
  const holds = s.holds && s.inShift;
  if (holds) a.lastTrueAt = s.nowMs;
  switch (a.state) {
    case 'inactive':
    case 'resolved':
      if (!holds) return undefined;
      a.state = 'pending';
      a.activeAt = s.nowMs;
      a.resolvedAt = null;
      return fireIfDue(a, s);
    case 'pending':
      if (!holds) {
        a.state = 'inactive';
        a.activeAt = null;
        return undefined;
      }
      return fireIfDue(a, s);
    case 'firing': {
      const kept = s.inShift && a.lastTrueAt !== null && s.nowMs - a.lastTrueAt < s.keepFiringForMs;
      if (!holds && !kept) {
        a.state = 'resolved';
        a.resolvedAt = s.nowMs;
        a.activeAt = null;
        a.seq++;
        return 'resolved';
      }
      if (a.lastNotifiedAt !== null && s.nowMs - a.lastNotifiedAt >= s.repeatIntervalMs) {
        a.lastNotifiedAt = s.nowMs;
        a.seq++;
        return 'repeat';
      }
      return undefined;
    }
  }
}

function fireIfDue(a: AlertInstance, s: StepInput): Transition | undefined {
  if (s.nowMs - (a.activeAt ?? s.nowMs) < s.forMs) return undefined;
  a.state = 'firing';
  a.firedAt = s.nowMs;
  a.lastNotifiedAt = s.nowMs;
  a.seq++;
  return 'firing';
}

export function newInstance(key: string, rule: string, severity: string, labels: Record<string, string>, camera?: CameraId): AlertInstance {
  return {
    key,
    rule,
    camera,
    severity,
    labels,
    state: 'inactive',
    activeAt: null,
    firedAt: null,
    lastTrueAt: null,
    resolvedAt: null,
    lastNotifiedAt: null,
    value: 0,
    summary: '',
    seq: 0,
  };
}
