import pg from 'pg';
import { BridgeFeeder } from '../harness/bridge-feeder.ts';
import { startDownstream, type Downstream } from '../harness/end-to-end.ts';
import { verdict, type ChaosResult, type ChaosScenario } from '../harness/scenario.ts';
import { Deadline, sizedDeadlineMs } from '../harness/deadline.ts';
import { TcpProxy } from '../harness/tcp-proxy.ts';
import { waitUntil } from '../harness/wait-until.ts';

export interface OutboxFullOptions {
  /** How long the bridges cannot reach the broker, seconds: long enough for the outboxes to fill. */
  outageSeconds: number;
  /** Events per second per bridge. */
  rate: number;
  /**
   * `--events N`: keep the load on until the two bridges answered N together beyond what drop-oldest dropped
   * (what the verdict counts as produced; the outage comes at N/4); without it, `beforeSeconds` + the outage +
   * `afterSeconds`.
   */
  events?: number;
  /** Each bridge's outbox bound (--max-bytes), bytes: small, so the outage fills it. */
  maxBytes: number;
  /** The bridges' window of PUBLISHes awaiting PUBACK (default 1,000): how many counted drops may have reached the broker. */
  maxInFlight?: number;
  /** Load before the outage and after it, seconds. */
  beforeSeconds?: number;
  afterSeconds?: number;
  settleMs?: number;
}

/** One site's figures, read from PostgreSQL. */
interface SiteCounts {
  rows: number;
  distinct: number;
  /** Seqs up to the newest stored that no stored event carries: the gaps downstream. */
  seqGaps: number;
  /** Seqs the repair ledger holds as confirmed lost with reason 'dropped', and with any other reason. */
  ledgerDropped: number;
  ledgerOtherLost: number;
}

const SITE_EVENTS = `SELECT count(*) AS n, count(DISTINCT event_id) AS ids, coalesce(max(seq), 0) AS newest, count(DISTINCT seq) AS seqs
  FROM events WHERE site = $1`;
const SITE_LEDGER = `SELECT coalesce(sum(CASE WHEN reason = 'dropped' THEN to_seq - from_seq + 1 ELSE 0 END), 0) AS dropped,
  coalesce(sum(CASE WHEN reason <> 'dropped' THEN to_seq - from_seq + 1 ELSE 0 END), 0) AS other
  FROM repair_ranges WHERE site = $1 AND state = 'lost'`;

async function siteCounts(url: string, site: string): Promise<SiteCounts> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const e = (await client.query(SITE_EVENTS, [site])).rows[0];
    const l = (await client.query(SITE_LEDGER, [site])).rows[0];
    return {
      rows: Number(e.n),
      distinct: Number(e.ids),
      seqGaps: Number(e.newest) - Number(e.seqs),
      ledgerDropped: Number(l.dropped),
      ledgerOtherLost: Number(l.other),
    };
  } finally {
    await client.end();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Two bridges with a small outbox (`maxBytes`) lose the broker for `outageSeconds` (a blackholed TCP proxy,
 * tcp-proxy.ts) under load, long enough for their outboxes to fill; then the network comes back. One runs
 * the `reject-new` policy: what it answered for must all be stored, and every refusal (SEAM_ERR_OUTBOX_FULL)
 * is counted by the producer and by the bridge alike. The other runs `drop-oldest` (the default): what it
 * dropped is counted by the bridge, missing from the store by exactly those events, seen downstream as that
 * many seq gaps, and confirmed lost by the repairer with reason 'dropped'. Nothing else may be missing.
 * Downstream: two consumer processes on the shared subscription into PostgreSQL (its repair ledger is read).
 */
export function outboxFull(o: OutboxFullOptions): ChaosScenario {
  const before = o.beforeSeconds ?? 2;
  const after = o.afterSeconds ?? 2;
  return {
    name: 'outbox-full',
    description: `two bridges (reject-new, drop-oldest) with a ${Math.round(o.maxBytes / 1024)} KiB outbox at ${o.rate} events/s each lose the broker for ${o.outageSeconds} s${o.events ? ` (load until they answered ${o.events})` : ''}, then it comes back; refusals and drops must be counted exactly, nothing else missing; two consumers into PostgreSQL`,
    async run(progress) {
      const deadline = new Deadline(
        o.events ? sizedDeadlineMs(o.events, 250, o.outageSeconds * 1000 + 180_000) : o.outageSeconds * 1000 + 240_000,
      );
      // Repair chases a gap after 1 s, not 60: the drops are to be confirmed within the run.
      const down = await startDownstream({ clientId: 'chaos-outbox-full', consumerArgs: ['--repair-grace', '1'] });
      const proxy = new TcpProxy({ host: '127.0.0.1', port: down.broker.port });
      await proxy.listen();
      const feeder = (site: string, overflow: 'reject-new' | 'drop-oldest') =>
        new BridgeFeeder({
          brokerUrl: proxy.url,
          dir: down.dir,
          cameras: 1,
          site,
          rate: o.rate,
          events: 1,
          bridge: { maxBytes: o.maxBytes, overflow, keepaliveSeconds: 2, maxInFlight: o.maxInFlight ?? 1_000 },
        });
      const reject = feeder('full-reject', 'reject-new');
      const drop = feeder('full-drop', 'drop-oldest');
      const answered = () => reject.accepted.size + drop.accepted.size;
      // Answered and not dropped by policy: what the verdict counts as produced (give or take the few in flight).
      const kept = () => answered() - drop.bridges[0].stats().dropped;
      try {
        let healedAt = 0;
        const more = () =>
          !deadline.passed && (healedAt === 0 || Date.now() < healedAt + after * 1000 || (o.events !== undefined && kept() < o.events));
        await Promise.all([reject.start(more), drop.start(more)]);
        if (o.events === undefined) await sleep(before * 1000);
        else await deadline.wait(() => kept() >= o.events! / 4, `${o.events / 4} answered before the outage`);
        proxy.cut();
        progress(`broker unreachable for ${o.outageSeconds} s after ${answered()} answered (outboxes hold ${o.maxBytes} bytes each)`);
        await sleep(o.outageSeconds * 1000);
        const full = [reject, drop].map((f) => f.bridges[0].stats());
        proxy.heal();
        healedAt = Date.now();
        progress(`back: reject-new refused ${reject.refused} so far, drop-oldest dropped ${full[1].dropped}`);
        const r = await settle(o, down, reject, drop, deadline, progress);
        if (o.events !== undefined && r.produced < o.events) deadline.miss(`${r.produced} of ${o.events} events answered and not dropped`);
        return deadline.verdict({ ...r, answered: answered() });
      } finally {
        await Promise.all([reject.close(), drop.close()]);
        await proxy.close();
        await down.close();
      }
    },
  };
}

async function settle(
  o: OutboxFullOptions,
  down: Downstream,
  reject: BridgeFeeder,
  drop: BridgeFeeder,
  deadline: Deadline,
  progress: (line: string) => void,
): Promise<ChaosResult> {
  await Promise.all([reject.finished(), drop.finished()]);
  const [rb, db] = [reject.bridges[0], drop.bridges[0]];
  const settleMs = () => Math.min(o.settleMs ?? 60_000, deadline.left);
  if (!(await waitUntil(() => rb.stats().outbox_depth + db.stats().outbox_depth === 0, settleMs()))) deadline.miss('the outboxes drained');
  // The repairer finds the dropped seqs once newer ones arrived and asks the bridge, which answers 'dropped';
  // the answer is written into the ledger: wait until the ledger holds as many 'dropped' seqs as downstream gaps.
  const url = down.postgres.url;
  const confirmedAll = async () => {
    const d = await siteCounts(url, 'full-drop').catch(() => undefined);
    return d !== undefined && d.ledgerDropped > 0 && d.ledgerDropped === d.seqGaps;
  };
  if (db.stats().dropped > 0 && !(await waitUntil(confirmedAll, settleMs())))
    deadline.miss("the repairer confirmed the drops as 'dropped'");
  await sleep(1_000);
  const [rs, ds] = [rb.stats(), db.stats()];
  progress(
    `reject-new: ${reject.accepted.size} answered, ${reject.refused} refused; drop-oldest: ${drop.accepted.size} answered, ${ds.dropped} dropped`,
  );
  // The consumers may stop once the events that cannot have been dropped are in; the rest were in before the heal.
  const counts = await down.settle(reject.accepted.size + drop.accepted.size - ds.dropped, settleMs());
  const [r, d] = [await siteCounts(url, 'full-reject'), await siteCounts(url, 'full-drop')];
  const rejectMissing = await down.missing(reject.accepted);
  const dropMissing = await down.missing(drop.accepted);
  // A drop is accounted for when the store lacks it, downstream sees its seq missing, and the repairer confirmed
  // it lost with reason 'dropped'. The bridge may count a few more drops than are missing: entries in flight when
  // the link went silent, which the broker had taken (their PUBACK never came back); they are stored, not lost.
  const confirmed = Math.min(dropMissing, d.seqGaps, d.ledgerDropped);
  const lost = rejectMissing + dropMissing - confirmed;
  const base = verdict('outbox-full', reject.accepted.size + drop.accepted.size - confirmed, counts, counts.deadLetters, { lost });
  const accounted =
    reject.refused > 0 &&
    rs.refused === reject.refused &&
    rs.dropped === 0 &&
    r.distinct === reject.accepted.size &&
    r.seqGaps === 0 &&
    drop.refused === 0 &&
    dropMissing > 0 &&
    dropMissing <= ds.dropped &&
    ds.dropped - dropMissing <= (o.maxInFlight ?? 1_000) &&
    d.seqGaps === dropMissing &&
    d.ledgerDropped === dropMissing &&
    r.ledgerOtherLost + d.ledgerOtherLost === 0;
  return {
    ...base,
    outage_s: o.outageSeconds,
    max_bytes: o.maxBytes,
    reject_answered: reject.accepted.size,
    reject_refused: reject.refused,
    reject_refused_by_bridge: rs.refused,
    reject_stored: r.distinct,
    drop_answered: drop.accepted.size,
    drop_dropped: ds.dropped,
    drop_stored: d.distinct,
    drop_missing: dropMissing,
    drop_delivered_in_flight: ds.dropped - dropMissing,
    drop_seq_gaps: d.seqGaps,
    drop_ledger_lost_dropped: d.ledgerDropped,
    ledger_lost_other: r.ledgerOtherLost + d.ledgerOtherLost,
    outbox_left: rs.outbox_depth + ds.outbox_depth,
    per_consumer: counts.perConsumer.join(','),
    store: 'postgres',
    ok: base.ok && accounted && rs.outbox_depth + ds.outbox_depth === 0 && counts.perConsumer.every((n) => n > 0),
  };
}

/** `seamline chaos outbox-full`: a 30 s outage against 256 KiB outboxes at 200 events/s each (about 400 events fit). */
export const OUTBOX_FULL_CLI: OutboxFullOptions = { outageSeconds: 30, rate: 200, maxBytes: 256 * 1024 };
export const outboxFullScenario = outboxFull(OUTBOX_FULL_CLI);
/** Sized (`--events N`): 1,000 events/s per bridge, so 100,000 answers take about a minute around the same outage. */
export const OUTBOX_FULL_SIZED_RATE = 1_000;
