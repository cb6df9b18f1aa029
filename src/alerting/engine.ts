import { pino, type Logger } from 'pino';
import { SeamError } from '../contract/index.ts';
import type { AlertLock, AlertStateStore, InstanceRecord } from '../store/alert-state.ts';
import type { StoreReader } from '../store/reader.ts';
import { systemClock, type Clock } from './clock.ts';
import type { AlertRule, AlertsConfig } from './alerts-config.ts';
import { instanceKey, observe, startTick } from './evaluate.ts';
import { alertMetrics, type AlertMetrics } from './metrics.ts';
import { groupNotices, toNotice, type AlertNotice } from './lifecycle/notification.ts';
import { NOTIFIER_TYPES } from './notifiers/index.ts';
import { NotifyError, type Notifier, type Outgoing } from './notifiers/notifier.ts';
import { newInstance, step, type AlertInstance } from './lifecycle/state-machine.ts';
import { handoverSummary, HandoverQueue, type HandoverQueueOptions } from './handover/queue.ts';

export interface EngineOptions {
  config: AlertsConfig;
  reader: StoreReader;
  state: AlertStateStore;
  lock: AlertLock;
  /** Defaults to the config's receivers built by their notifier types. */
  notifiers?: Map<string, Notifier>;
  clock?: Clock;
  logger?: Logger;
  /** The shift summary a handover notice carries (default: handoverSummary of the reader's shiftCounts, without images). */
  summarize?: HandoverQueueOptions['summarize'];
  /** Retry backoff: base * 2^(attempts-1), capped (defaults 1 s and 5 min). */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/** What changes an instance's meaning; value and summary alone are not worth a write. */
const fingerprint = (a: AlertInstance) => `${a.state}|${a.seq}|${a.activeAt}|${a.lastTrueAt}|${a.lastNotifiedAt}`;

/**
 * The alerting engine. Each tick, if it holds the lock: evaluate every rule in its shifts, advance each
 * instance's state machine, and commit changed instances together with the notifications of their
 * transitions (one transaction); then deliver due notifications from that outbox. Without the lock it
 * only tries to take it and mirrors the stored state for the API. Time comes only from `clock`.
 */
export class AlertEngine {
  private readonly config: AlertsConfig;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly notifiers: Map<string, Notifier>;
  private readonly byName: Map<string, AlertRule>;
  private instancesByKey = new Map<string, AlertInstance>();
  private persisted = new Map<string, string>();
  private leader = false;
  private delivering: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();
  private dashboardUrl: string | undefined;
  /** When a tick last failed to read the store (rules that must not judge the consumers' catch-up look at it). */
  private storeFailedAtMs: number | null = null;
  /** A tick failed or lost the lock, and none has evaluated since: each tick without an evaluation is a failure too. */
  private failing = false;
  private readonly handover: HandoverQueue | undefined;
  readonly metrics: AlertMetrics;

  constructor(private readonly options: EngineOptions) {
    this.config = options.config;
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? pino({ level: 'silent' });
    this.byName = new Map(this.config.rules.map((r) => [r.name, r]));
    this.dashboardUrl = this.config.dashboardUrl;
    this.notifiers =
      options.notifiers ?? new Map(this.config.receivers.map((r) => [r.name, NOTIFIER_TYPES.get(r.type)!.create(r, this.log)]));
    this.handover = handoverQueue(this.config, options, this.log);
    this.metrics = alertMetrics({
      instances: () => this.instances(),
      isLeader: () => this.leader,
      outboxDepth: () => options.state.outboxDepth(),
    });
  }

  /** The dashboard beside the engine, for notification links when the config names none (`npm start`, `alerts --dashboard-port`). */
  linkDashboard(url: string): void {
    this.dashboardUrl ??= url.replace(/\/+$/, '');
  }

  instances(): AlertInstance[] {
    return [...this.instancesByKey.values()];
  }

  isLeader(): boolean {
    return this.leader;
  }

  /**
   * One evaluation. Resolves when its state and notifications are committed (or it was not leader). A tick that
   * throws (the store did not answer it) or loses the lock is remembered as the store failing then, and so is every
   * tick after it until one evaluates again (a store down makes the lock fail first, then the standby's reads).
   */
  async tick(): Promise<void> {
    const startedAt = this.clock.now();
    try {
      if (await this.evaluateOnce()) this.failing = false;
      else if (this.failing) this.storeFailedAtMs = startedAt;
    } catch (err) {
      this.failing = true;
      this.storeFailedAtMs = startedAt;
      throw err;
    }
  }

  /** Whether the lock was lost (the store failing, as far as this engine can tell). */
  private lockLost(): false {
    this.leader = false;
    this.failing = true;
    this.storeFailedAtMs = this.clock.now();
    return false;
  }

  /** Resolves true when it evaluated and committed, false when it was not (or no longer) the leader. */
  private async evaluateOnce(): Promise<boolean> {
    if (!this.leader) {
      this.leader = await this.options.lock.acquire();
      if (!this.leader) return this.mirror().then(() => false);
      this.log.info('alerting: took the lock; evaluating and notifying');
      await this.mirror();
    } else if (!(await this.options.lock.check())) {
      this.log.warn('alerting: lost the lock; standing by');
      return this.lockLost();
    }
    const nowMs = this.clock.now();
    const tick = await startTick(this.options.reader, nowMs, this.config.expectedCameras, this.storeFailedAtMs);
    const next = new Map([...this.instancesByKey].map(([k, a]) => [k, structuredClone(a)]));
    const notices: AlertNotice[] = [];
    for (const rule of this.config.rules) {
      const inShift = !rule.shifts || this.config.calendar.isActive(nowMs, rule.shifts);
      const seen = new Set<string>();
      if (inShift) {
        let observations: Awaited<ReturnType<typeof observe>>;
        try {
          observations = await observe(rule, tick);
        } catch (err) {
          // The store did not answer: keep every instance of this rule as it is, never resolve on an error.
          this.metrics.evaluationFailures.inc({ alertname: rule.name });
          this.log.warn({ err: (err as Error).message, rule: rule.name }, 'alerting: rule evaluation failed');
          continue;
        }
        for (const o of observations) {
          const key = instanceKey(rule.name, o.camera);
          seen.add(key);
          // Not judged now (e.g. silent_camera while the consumers catch up): the instance stays as it is.
          if (o.held) continue;
          let a = next.get(key);
          if (!a) next.set(key, (a = newInstance(key, rule.name, rule.severity, rule.labels, o.camera)));
          a.value = o.value;
          a.summary = o.summary;
          if (o.evidence) a.evidence = o.evidence;
          const t = step(a, this.stepInput(rule, nowMs, o.holds, true));
          if (t) notices.push(toNotice(a, t, undefined, this.dashboardUrl));
        }
      }
      for (const a of next.values()) {
        if (a.rule !== rule.name || seen.has(a.key)) continue;
        const t = step(a, this.stepInput(rule, nowMs, false, inShift));
        if (t) notices.push(toNotice(a, t, inShift ? undefined : 'shift_ended', this.dashboardUrl));
      }
    }
    const changed = [...next.values()].filter((a) => this.persisted.get(a.key) !== fingerprint(a));
    const notifications = groupNotices(notices, (n) => this.byName.get(n.rule)?.receivers ?? [], this.config.groupBy, nowMs);
    // Checked again right before the commit: a lock lost during evaluation must not write or page.
    if (!(await this.options.lock.check())) return this.lockLost();
    await this.options.state.commit(
      changed.map((a): InstanceRecord => ({ key: a.key, rule: a.rule, state: a.state, body: a })),
      notifications.map((n) => ({ id: n.id, receiver: n.receiver, createdAt: nowMs, body: n })),
    );
    this.instancesByKey = next;
    for (const a of changed) this.persisted.set(a.key, fingerprint(a));
    for (const n of notifications)
      this.log.info({ id: n.id, receiver: n.receiver, status: n.status, alerts: n.alerts.length }, 'alerting: notification queued');
    // After the alerts' commit, so a store slow to summarize a shift never holds up a page.
    await this.handover
      ?.queueDue(nowMs, this.dashboardUrl, () => this.options.lock.check())
      .catch((err: Error) => this.log.warn({ err: err.message }, 'alerting: handover notice not queued; retrying next tick'));
    return true;
  }

  private stepInput(rule: AlertRule, nowMs: number, holds: boolean, inShift: boolean) {
    return { nowMs, holds, inShift, forMs: rule.forMs, keepFiringForMs: rule.keepFiringForMs, repeatIntervalMs: rule.repeatIntervalMs };
  }

  /** Loads the stored instances (at takeover, and as a standby so its API shows the leader's state). */
  private async mirror(): Promise<void> {
    const records = await this.options.state.loadInstances();
    this.instancesByKey = new Map(records.map((r) => [r.key, r.body as AlertInstance]));
    this.persisted = new Map(this.instances().map((a) => [a.key, fingerprint(a)]));
  }

  /**
   * Sends due notifications, oldest first. A receiver that fails is not tried again in this pass (its
   * next rows keep their order); each failure backs off exponentially. Returns how many were delivered.
   */
  deliver(): Promise<number> {
    if (!this.delivering) this.delivering = this.deliverDue().finally(() => (this.delivering = undefined));
    return this.delivering;
  }

  private async deliverDue(): Promise<number> {
    if (!this.leader) return 0;
    const nowMs = this.clock.now();
    const due = await this.options.state.dueNotifications(nowMs, 200);
    const down = new Set<string>();
    let sent = 0;
    for (const row of due) {
      if (down.has(row.receiver)) continue;
      const notifier = this.notifiers.get(row.receiver);
      const body = row.body as Outgoing;
      try {
        if (!notifier) throw new NotifyError(`no receiver named ${row.receiver}`, false);
        if (!(await this.options.lock.check())) return sent;
        await notifier.send(body);
        await this.options.state.markSent(row.id, row.receiver, this.clock.now());
        this.metrics.notifications.inc({ receiver: row.receiver, result: 'sent' });
        sent++;
      } catch (err) {
        const retryable = !(err instanceof NotifyError) || err.retryable;
        const message = (err as Error).message;
        if (retryable) {
          down.add(row.receiver);
          const attempts = row.attempts + 1;
          const wait = Math.min(this.options.retryMaxMs ?? 300_000, (this.options.retryBaseMs ?? 1_000) * 2 ** (attempts - 1));
          await this.options.state.markRetry(row.id, row.receiver, attempts, this.clock.now() + wait, message);
          this.metrics.notifications.inc({ receiver: row.receiver, result: 'retry' });
          this.log.warn(
            { id: row.id, receiver: row.receiver, attempts, retryInMs: wait, err: message },
            'alerting: notification failed; will retry',
          );
        } else {
          await this.options.state.markFailed(row.id, row.receiver, this.clock.now(), message);
          this.metrics.notifications.inc({ receiver: row.receiver, result: 'failed' });
          this.log.error({ id: row.id, receiver: row.receiver, err: message }, 'alerting: receiver refused the notification; given up');
        }
      }
    }
    return sent;
  }

  /** Runs on real timers: a tick every evaluateEvery, delivery after each without holding up the next tick. */
  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      try {
        this.running = this.tick();
        await this.running;
        void this.deliver().catch((err: Error) => this.log.warn({ err: err.message }, 'alerting: delivery failed'));
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'alerting: tick failed; retrying next tick');
      }
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.config.evaluateEveryMs);
    };
    // The first tick waits one interval: bridges starting with this process (npm start) announce themselves
    // first, so a camera's `offline` stored by the previous run's clean stop does not page at every restart.
    this.timer = setTimeout(() => void loop(), this.config.evaluateEveryMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running.catch(() => undefined);
    await this.delivering?.catch(() => undefined);
    await this.options.lock.release();
    this.leader = false;
  }
}

/** The config's handover section as a queue, with its summary; a store that keeps no shift counts is refused. */
function handoverQueue(config: AlertsConfig, options: EngineOptions, logger: Logger): HandoverQueue | undefined {
  const { handover: settings, calendar } = config;
  if (!settings) return undefined;
  const counts = options.reader.capabilities.shiftCounts;
  const summarize = options.summarize ?? (counts && handoverSummary(counts, calendar, settings));
  if (!summarize)
    throw new SeamError('SEAM_ERR_CONFIG', `handover needs a store that keeps shift counts (duckdb or postgres)`, { field: 'handover' });
  return new HandoverQueue({ settings, calendar, state: options.state, summarize, logger });
}
