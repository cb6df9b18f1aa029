import { SeamError, type Detection } from '../../contract/index.ts';

export interface CapturePolicyOptions {
  /** Classes whose detections may be captured (default: every class the model reports). */
  classes?: string[];
  /** Classes never captured, even when `classes` names them, e.g. `part`: the normal, uncounted object. */
  exclude?: string[];
  /** A detection below this confidence neither triggers a capture nor counts as seen (default 0.5). */
  minConfidence?: number;
  /** At most one image per camera and class this often (default 60 s), except a burst's first frame. */
  intervalSeconds?: number;
  /** A class not seen on a camera for this long starts a burst whose first frame is captured (default 30 s). */
  burstGapSeconds?: number;
  /**
   * Most (camera, class) pairs remembered (default 4096); past it the pair seen least recently is forgotten,
   * so a model with unbounded labels or a misconfigured producer cannot grow the edge's memory.
   */
  maxTracked?: number;
}

export interface CaptureDecision {
  /** True when the frame should be kept as evidence. */
  capture: boolean;
  /** Why: a class's first frame of a burst, or its interval elapsed; `none` when not captured. */
  reason: 'burst' | 'interval' | 'none';
  /** The qualifying classes in the frame (those the image will show); marked captured together. */
  classes: string[];
}

interface ClassState {
  lastSeen: number;
  /** When the current burst began: a capture older than this leaves the burst uncaptured. */
  burstStart: number;
  lastCaptured: number | undefined;
}

export const DEFAULT_CAPTURE_POLICY = {
  minConfidence: 0.5,
  intervalSeconds: 60,
  burstGapSeconds: 30,
  maxTracked: 4096,
} as const;

const bad = (field: string, reason: string) =>
  new SeamError('SEAM_ERR_CONFIG', `evidence.${field} ${reason}`, { field: `evidence.${field}` });

function checkNumber(field: string, value: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw bad(field, `must be a number from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function checkClasses(field: string, value: unknown): Set<string> | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((c) => typeof c !== 'string' || c === '')) {
    throw bad(field, 'must be a list of class names');
  }
  return new Set(value as string[]);
}

/**
 * Which frames are kept as evidence: pure (time is passed in, normally the frame's capture time) and bounded
 * in memory by the number of (camera, class) pairs. A frame is captured when one of its qualifying classes is
 * due: never captured on that camera, its interval elapsed, or a new burst (the class was absent for
 * `burstGapSeconds`) not yet captured. `decide` records what was seen; `markCaptured` records the capture,
 * so a frame the caller could not capture (busy, event refused) leaves the class due for the next frame.
 */
export class CapturePolicy {
  private readonly include: Set<string> | undefined;
  private readonly exclude: Set<string>;
  readonly minConfidence: number;
  private readonly intervalMs: number;
  private readonly burstGapMs: number;
  private readonly maxTracked: number;
  /** Keyed `camera\0class`; insertion order is least recently seen first (re-inserted on every sighting). */
  private readonly states = new Map<string, ClassState>();

  constructor(options: CapturePolicyOptions = {}) {
    const d = DEFAULT_CAPTURE_POLICY;
    this.include = checkClasses('classes', options.classes);
    this.exclude = checkClasses('exclude', options.exclude) ?? new Set();
    this.minConfidence = checkNumber('minConfidence', options.minConfidence ?? d.minConfidence, 0, 1);
    this.intervalMs = checkNumber('intervalSeconds', options.intervalSeconds ?? d.intervalSeconds, 0, 86_400) * 1000;
    this.burstGapMs = checkNumber('burstGapSeconds', options.burstGapSeconds ?? d.burstGapSeconds, 0, 86_400) * 1000;
    this.maxTracked = checkNumber('maxTracked', options.maxTracked ?? d.maxTracked, 1, 1_000_000);
  }

  /** The classes of `detections` that pass the class lists and the confidence floor, each once. */
  qualifying(detections: readonly Detection[]): string[] {
    const out = new Set<string>();
    for (const d of detections) {
      if (d.confidence < this.minConfidence || this.exclude.has(d.class)) continue;
      if (this.include && !this.include.has(d.class)) continue;
      out.add(d.class);
    }
    return [...out];
  }

  /** Looks at one frame's detections at time `at` (epoch ms); updates what was seen, not what was captured. */
  decide(camera: string, detections: readonly Detection[], at: number): CaptureDecision {
    const classes = this.qualifying(detections);
    let reason: CaptureDecision['reason'] = 'none';
    for (const cls of classes) {
      const state = this.touch(camera, cls, at);
      if (state.lastCaptured === undefined || state.lastCaptured < state.burstStart) reason = 'burst';
      else if (reason === 'none' && at - state.lastCaptured >= this.intervalMs) reason = 'interval';
    }
    return { capture: reason !== 'none', reason, classes };
  }

  /** Records that the frame decided at `at` was captured: every class it shows restarts its interval. */
  markCaptured(camera: string, decision: CaptureDecision, at: number): void {
    for (const cls of decision.classes) {
      const state = this.states.get(key(camera, cls));
      if (state) state.lastCaptured = at;
    }
  }

  /** (camera, class) pairs remembered now (tests, memory bound). */
  get tracked(): number {
    return this.states.size;
  }

  private touch(camera: string, cls: string, at: number): ClassState {
    const k = key(camera, cls);
    let state = this.states.get(k);
    if (state) this.states.delete(k);
    if (!state || at - state.lastSeen > this.burstGapMs) {
      state = { lastSeen: at, burstStart: at, lastCaptured: state?.lastCaptured };
    }
    state.lastSeen = at;
    this.states.set(k, state);
    while (this.states.size > this.maxTracked) this.states.delete(this.states.keys().next().value as string);
    return state;
  }
}

const key = (camera: string, cls: string) => `${camera}\u0000${cls}`;
