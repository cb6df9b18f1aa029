/**
 * Runs the hostile corpus (hostile-corpus.ts) through real consumers into a real store, among good events,
 * and judges each input: stored exactly as sent, or dead-lettered with a reason; never lost, never both.
 */
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { v7 as uuidv7 } from 'uuid';
import type { DetectionV1, StatusV1 } from '../../src/contract/index.ts';
import { startConsumer, type RunningConsumer } from '../../src/consumer/consumer.ts';
import type { DetectionStore } from '../../src/store/store.ts';
import { makeEvent } from '../helpers/events.ts';
import { waitFor } from '../helpers/wait.ts';
import { HOSTILE_SITE, hostileCorpus, type HostileInput } from './hostile-corpus.ts';
import type { StoredEvent, StoredStatus, StoreReadback } from './stored-readback.ts';

export const GOOD_SITE = 'good';
const GOOD_CAMERAS = ['g1', 'g2', 'g3'];
const DEAD_LETTER_TOPIC = 'seamline/dead-letters';
/** The consumer's batch size here: a refused message may cost up to log2 of it plus one failed writes. */
const BATCH = 200;

interface Notice {
  topic: string;
  code: string;
  reason: string;
  payload: Buffer;
}

export interface Verdict {
  input: HostileInput;
  outcome: 'stored' | 'refused by the contract' | 'refused by the store';
  reason?: string;
}

/** `count` good events per camera (seq 0..count-1), captured 10 ms apart, as topic/payload pairs. */
function goodEvents(count: number, from: number): { topic: string; payload: Buffer; event: DetectionV1 }[] {
  const start = Date.now() - 60_000;
  return GOOD_CAMERAS.flatMap((camera, c) =>
    Array.from({ length: count }, (_, i) => {
      const event = makeEvent({
        event_id: uuidv7(),
        site: GOOD_SITE,
        camera,
        seq: from + i,
        captured_at: new Date(start + (from + i) * 10 + c).toISOString(),
      });
      return { topic: `vision/eu/${GOOD_SITE}/${camera}/detection`, payload: Buffer.from(JSON.stringify(event)), event };
    }),
  );
}

/** Interleaves the corpus into the good stream, one hostile message every `every` good ones. */
function interleave<T>(good: T[], hostile: T[]): T[] {
  const every = Math.max(1, Math.floor(good.length / (hostile.length + 1)));
  const out: T[] = [];
  good.forEach((g, i) => {
    out.push(g);
    if ((i + 1) % every === 0 && hostile.length > 0) out.push(hostile.shift()!);
  });
  return [...out, ...hostile];
}

let runs = 0;

export interface HostileRunOptions {
  brokerUrl: string;
  /** One store object per consumer (the same server behind them). */
  stores: DetectionStore[];
  readback: StoreReadback;
  goodPerCamera?: number;
}

export interface HostileRun {
  verdicts: Verdict[];
  consumers: RunningConsumer[];
}

/**
 * Publishes, waits for every message to be acknowledged, checks the good events, and judges the corpus.
 * The consumers are handed to `started` as soon as they run, so that the caller can stop them whatever
 * happens.
 */
export async function runHostileCorpus(o: HostileRunOptions, started: (c: RunningConsumer[]) => void): Promise<HostileRun> {
  const corpus = hostileCorpus();
  const good = goodEvents(o.goodPerCamera ?? 200, 0);
  const notices: Notice[] = [];
  const watcher = await mqtt.connectAsync(o.brokerUrl, { protocolVersion: 5, clientId: `hostile-watch-${process.pid}` });
  watcher.on('message', (_t, m) => {
    const n = JSON.parse(m.toString()) as Omit<Notice, 'payload'> & { payload_base64: string };
    notices.push({ ...n, payload: Buffer.from(n.payload_base64, 'base64') });
  });
  await watcher.subscribeAsync(DEAD_LETTER_TOPIC, { qos: 0 });
  const run = ++runs;
  const consumers = await Promise.all(
    o.stores.map((store, i) =>
      // A group per run: a stopped consumer's persistent session stays a member of its group and takes a share.
      startConsumer({
        url: o.brokerUrl,
        clientId: `hostile-${run}-${i}-${process.pid}`,
        group: `hostile-${run}`,
        store,
        deadLetterTopic: DEAD_LETTER_TOPIC,
        batchSize: BATCH,
        flushMs: 50,
        repair: false,
        sampleMs: 0,
      }),
    ),
  );
  started(consumers);
  const publisher = await mqtt.connectAsync(o.brokerUrl, { protocolVersion: 5, clientId: `hostile-pub-${process.pid}` });
  const messages = interleave<{ topic: string; payload: Buffer }>(good, [...corpus]);
  await Promise.all(messages.map((m) => publisher.publishAsync(m.topic, m.payload, { qos: 1 })));
  const received = () => consumers.reduce((n, c) => n + c.ingestor.stats.received, 0);
  await waitFor(
    () => received() >= messages.length && consumers.every((c) => c.session.inFlight === 0),
    120_000,
    `all ${messages.length} messages acknowledged`,
  );
  const refusedTotal = consumers.reduce((n, c) => n + c.ingestor.stats.deadLettered, 0);
  await waitFor(() => notices.length >= refusedTotal, 10_000, 'every dead-letter notice');
  for (const c of consumers) assert.equal(c.ingestor.fatalError, undefined, `consumer stopped: ${c.ingestor.fatalError?.message}`);

  // Still ingesting after all of it: one more good event per camera, through whichever consumer gets it.
  const more = goodEvents(1, 10_000);
  await Promise.all(more.map((m) => publisher.publishAsync(m.topic, m.payload, { qos: 1 })));
  await waitFor(
    () => received() >= messages.length + more.length && consumers.every((c) => c.session.inFlight === 0),
    30_000,
    'the last good events',
  );
  await publisher.endAsync();
  await watcher.endAsync();

  for (const camera of GOOD_CAMERAS) {
    const stored = await o.readback.events(GOOD_SITE, camera);
    const seqs = stored.map((e) => e.seq).sort((a, b) => a - b);
    const expected = [...Array.from({ length: o.goodPerCamera ?? 200 }, (_, i) => i), 10_000];
    assert.deepEqual(seqs, expected, `good events of ${camera}: each stored exactly once`);
  }
  const verdicts = await judge(corpus, notices, o.readback, consumers.length);
  const held = await o.readback.deadLetters();
  // A status dead-lettered by each consumer is one message, so one letter (store.ts deadLetterId: topic and bytes).
  const distinct = new Set(notices.map((n) => `${n.topic}\0${n.payload.toString('base64')}`));
  assert.equal(held.length, distinct.size, 'the store holds every dead letter the consumers announced, each once');
  return { verdicts, consumers };
}

/**
 * Statuses come through a plain subscription that every consumer holds (retained messages are not sent on a
 * shared one), so a status is dead-lettered by each consumer; an event by the one consumer that got it.
 */
async function judge(corpus: HostileInput[], notices: Notice[], readback: StoreReadback, consumers: number): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  for (const input of corpus) {
    const copies = input.kind === 'status' ? consumers : 1;
    const letters = notices.filter((n) => n.payload.equals(input.payload));
    const stored =
      input.kind === 'detection' ? await readback.events(HOSTILE_SITE, input.camera) : await readback.status(HOSTILE_SITE, input.camera);
    const found = Array.isArray(stored) ? stored.length > 0 : stored !== null;
    if (input.contractRefuses) {
      assert.equal(found, false, `${input.name}: refused by the contract, yet stored`);
      assert.equal(letters.length, copies, `${input.name}: dead-lettered once by each consumer that received it`);
      assert.equal(letters[0].code, 'SEAM_ERR_SCHEMA_VIOLATION', `${input.name}: ${letters[0].reason}`);
      assert.ok(
        letters[0].reason.includes(input.contractRefuses),
        `${input.name}: the reason names ${input.contractRefuses}: ${letters[0].reason}`,
      );
      verdicts.push({ input, outcome: 'refused by the contract', reason: letters[0].reason });
    } else if (found) {
      assert.equal(letters.length, 0, `${input.name}: stored, and dead-lettered too`);
      if (input.kind === 'detection') assertSameEvent(input, stored as StoredEvent[], readback.digits);
      else assertSameStatus(input, stored as StoredStatus, readback.digits);
      verdicts.push({ input, outcome: 'stored' });
    } else {
      assert.equal(letters.length, copies, `${input.name}: neither stored nor dead-lettered (lost)`);
      assert.equal(letters[0].code, 'SEAM_ERR_STORE_REFUSED', `${input.name}: ${letters[0].reason}`);
      verdicts.push({ input, outcome: 'refused by the store', reason: letters[0].reason });
    }
  }
  return verdicts;
}

/** Equal, or equal to `digits` significant digits where the store keeps no more (VictoriaMetrics). */
function same(a: number, b: number, digits: number | undefined): boolean {
  if (digits === undefined || a === b) return a === b;
  return Math.abs(a - b) <= Math.abs(b) * 10 ** (1 - digits);
}

function assertSameEvent(input: HostileInput, stored: StoredEvent[], digits: number | undefined): void {
  const sent = input.sent as DetectionV1;
  assert.equal(stored.length, 1, `${input.name}: stored once`);
  const [e] = stored;
  const captured = Date.parse(sent.captured_at);
  assert.equal(e.seq, sent.seq, `${input.name}: seq`);
  assert.equal(e.capturedMs, captured, `${input.name}: captured_at`);
  assert.equal(e.inferenceMs, Date.parse(sent.inferred_at) - captured, `${input.name}: inferred_at`);
  if (e.model !== undefined) assert.equal(e.model, `${sent.model.name}@${sent.model.version}`, `${input.name}: model`);
  if (e.frame !== undefined) assert.deepEqual(e.frame, [sent.frame.width, sent.frame.height], `${input.name}: frame`);
  assert.equal(e.boxes.length, sent.detections.length, `${input.name}: boxes`);
  sent.detections.forEach((d, i) => {
    const [cls, id, ...numbers] = e.boxes[i];
    assert.equal(cls, d.class, `${input.name}: box ${i} class`);
    assert.equal(id, d.class_id, `${input.name}: box ${i} class_id`);
    [d.confidence, ...d.bbox].forEach((v, j) =>
      assert.ok(same(numbers[j], v, digits), `${input.name}: box ${i} number ${j}: stored ${numbers[j]}, sent ${v}`),
    );
  });
}

function assertSameStatus(input: HostileInput, stored: StoredStatus, digits: number | undefined): void {
  const sent = input.sent as StatusV1 & Record<string, unknown>;
  assert.equal(stored.state, sent.state, `${input.name}: state`);
  assert.equal(stored.at, Date.parse(sent.at), `${input.name}: at`);
  for (const [k, v] of Object.entries(stored)) {
    if (k === 'state' || k === 'at') continue;
    assert.ok(
      typeof sent[k] === 'number' && same(v as number, sent[k] as number, digits),
      `${input.name}: ${k} stored ${v}, sent ${String(sent[k])}`,
    );
  }
}

/** A consumer's failed store attempts stay within what splitting `refused` messages out of its batches costs. */
export function assertBoundedRetries(consumer: RunningConsumer): void {
  const { storeFailures, storeRefused } = consumer.ingestor.stats;
  const perRefusal = Math.ceil(Math.log2(BATCH)) + 1;
  assert.ok(
    storeFailures <= storeRefused * perRefusal,
    `${storeFailures} failed store attempts for ${storeRefused} refused messages (at most ${perRefusal} each)`,
  );
}

/** One line per input, for the test's diagnostics and the closing note. */
export function describeVerdicts(verdicts: Verdict[]): string {
  const count = (o: Verdict['outcome']) => verdicts.filter((v) => v.outcome === o).length;
  const lines = verdicts.map(
    (v) =>
      `${v.input.camera} ${v.input.name}: ${v.outcome}${v.reason && v.outcome === 'refused by the store' ? ` (${v.reason.slice(0, 160)})` : ''}`,
  );
  return [
    `${verdicts.length} inputs: ${count('stored')} stored exactly, ${count('refused by the contract')} refused by the contract, ${count('refused by the store')} refused by the store`,
    ...lines,
  ].join('\n');
}
