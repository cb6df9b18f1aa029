/**
 * The behaviour every DetectionStore must show, run against each implementation (like MQTT.js's
 * abstract_store). Call it from a test file with a builder that returns a fresh, opened store.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoreReader } from '../../src/store/reader.ts';
import type { DeadLetter, DetectionStore } from '../../src/store/store.ts';
import { makeEvent, makeEvents, makeStatus } from '../helpers/events.ts';
import { clockContract } from './clock-contract.ts';

export type StoreUnderTest = DetectionStore & StoreReader;

/** A dead letter as the server holds it, read with the server's own query language. */
export interface StoredDeadLetter {
  code: string;
  /** Payload size in bytes. */
  bytes: number;
  /** Absent where the store keeps numbers only (VictoriaMetrics). */
  topic?: string;
  reason?: string;
  payload?: Buffer;
}

export interface ContractOptions {
  /** Reads back every dead letter the store holds, straight from the server, not through the code under test. */
  deadLetters(store: StoreUnderTest): Promise<StoredDeadLetter[]>;
  /** false where the store cannot keep the raw bytes by design (VictoriaMetrics, docs/stores.md). */
  keepsPayload: boolean;
}

const RECEIVED = new Date();
// Bytes no text encoding would survive: NUL, 0xff, a lone continuation byte, quotes, backslash, newline.
const POISON: DeadLetter[] = (
  [
    {
      payload: Buffer.from([0xff, 0x00, 0x80, 0x7b, 0x5c, 0x22, 0x0a, 0x27]),
      code: 'SEAM_ERR_MALFORMED_JSON',
      reason: 'Unexpected token \u00ff in JSON at position 0',
    },
    {
      payload: Buffer.from('{"schema_version":"detection.v1","seq":-1}\n'),
      code: 'SEAM_ERR_SCHEMA_VIOLATION',
      reason: 'seq: must be >= 0, "quoted"',
    },
    { payload: Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256)), code: 'SEAM_ERR_MALFORMED_JSON', reason: 'binary' },
  ] as const
).map((l, i) => ({ ...l, topic: `vision/eu/plant-1/cam-0${i}/detection`, receivedAt: RECEIVED }));

export function storeContract(name: string, build: () => Promise<StoreUnderTest>, options: ContractOptions) {
  const withStore = async (fn: (store: StoreUnderTest) => Promise<void>) => {
    const store = await build();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };

  test(`${name}: stores every event and every detection of a batch`, { timeout: 30_000 }, () =>
    withStore(async (store) => {
      const events = makeEvents(50);
      const result = await store.write(events, new Date());
      assert.deepEqual(result, { events: 50, detections: 100, duplicates: 0 });
      const totals = await store.totals();
      assert.equal(totals.events, 50);
      assert.equal(totals.detections, 100);
    }),
  );

  test(`${name}: writing the same events again stores nothing new`, { timeout: 30_000 }, () =>
    withStore(async (store) => {
      const events = makeEvents(30);
      await store.write(events, new Date());
      const again = await store.write([...events.slice(10), ...makeEvents(5, { seq: 30 })], new Date());
      assert.deepEqual(again, { events: 5, detections: 10, duplicates: 20 });
      assert.equal((await store.totals()).events, 35);
      assert.equal((await store.totals()).detections, 70);
    }),
  );

  test(`${name}: tells which events a write newly stored, by their captured_at`, { timeout: 30_000 }, () =>
    withStore(async (store) => {
      const events = makeEvents(30);
      await store.write(events.slice(0, 20), new Date());
      const fresh: number[] = [];
      const more = makeEvents(5, { seq: 30 }, Date.now() + 1_000);
      assert.equal((await store.write([...events.slice(10), ...more], new Date(), fresh)).events, 15);
      const expected = [...events.slice(20), ...more].map((e) => Date.parse(e.captured_at));
      assert.deepEqual(
        fresh.sort((a, b) => a - b),
        expected.sort((a, b) => a - b),
      );
    }),
  );

  test(`${name}: an event repeated inside one batch is stored once`, { timeout: 30_000 }, () =>
    withStore(async (store) => {
      const e = makeEvent();
      const result = await store.write([e, e, { ...e }], new Date());
      assert.equal(result.events, 1);
      assert.equal(result.detections, 2);
      assert.equal((await store.totals()).detections, 2);
    }),
  );

  test(`${name}: an event with no detections is stored as an event with zero rows`, { timeout: 30_000 }, () =>
    withStore(async (store) => {
      await store.write([makeEvent({ detections: [] })], new Date());
      assert.deepEqual(await store.totals(), { events: 1, detections: 0, deadLetters: 0 });
    }),
  );

  test(`${name}: counts detections per minute per camera exactly`, { timeout: 30_000 }, () =>
    withStore(async (store) => {
      const minute = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
      await store.write(makeEvents(7, { camera: 'cam-01' }, minute, 1000), new Date());
      await store.write(makeEvents(3, { camera: 'cam-02' }, minute + 60_000, 1000), new Date());
      const rows = await store.perMinute(minute, minute + 120_000);
      const view = rows.map((r) => `${r.camera}@${r.minute - minute}:${r.events}/${r.detections}`);
      assert.deepEqual(view, ['cam-01@0:7/14', 'cam-02@60000:3/6']);
    }),
  );

  test(`${name}: lists cameras with their last status and counts`, { timeout: 30_000 }, () =>
    withStore(async (store) => {
      await store.write(makeEvents(4, { camera: 'cam-01' }), new Date());
      await store.writeStatus(makeStatus({ camera: 'cam-01', state: 'online' }), new Date());
      await store.writeStatus(makeStatus({ camera: 'cam-09', state: 'online' }), new Date());
      await store.writeStatus(makeStatus({ camera: 'cam-09', state: 'offline' }), new Date());
      const cams = await store.cameras();
      assert.deepEqual(
        cams.map((c) => [c.camera, c.state, c.events, c.detections]),
        [
          ['cam-01', 'online', 4, 8],
          ['cam-09', 'offline', 0, 0],
        ],
      );
    }),
  );

  test(`${name}: breaks detections down by class and measures latency and lag`, { timeout: 30_000 }, () =>
    withStore(async (store) => {
      const now = Date.now();
      const captured = new Date(now - 1000).toISOString();
      const inferred = new Date(now - 1000 + 40).toISOString();
      await store.write([makeEvent({ captured_at: captured, inferred_at: inferred })], new Date(now - 1000 + 240));
      assert.deepEqual(await store.classes(now - 60_000, now), [
        { class: 'dent', detections: 1 },
        { class: 'scratch', detections: 1 },
      ]);
      const lat = await store.latency(now - 60_000, now);
      assert.equal(lat.inferenceP50Ms, 40);
      assert.equal(lat.lagP99Ms, 240);
    }),
  );

  // Three letters received in the same millisecond: dead letters are not idempotent, each one is kept.
  const keeps = options.keepsPayload
    ? 'keeps every dead letter with its topic, code, reason and raw bytes exactly'
    : 'keeps every dead letter with its code and size (numbers only: the raw bytes need another store)';
  test(`${name}: ${keeps}`, { timeout: 30_000 }, () =>
    withStore(async (store) => {
      await store.writeDeadLetters(POISON);
      assert.equal((await store.totals()).deadLetters, POISON.length);
      const expected = POISON.map((l) =>
        options.keepsPayload
          ? { code: l.code, bytes: l.payload.length, topic: l.topic, reason: l.reason, payload: l.payload }
          : { code: l.code, bytes: l.payload.length },
      );
      const order = (a: StoredDeadLetter, b: StoredDeadLetter) => a.bytes - b.bytes;
      assert.deepEqual((await options.deadLetters(store)).sort(order), expected.sort(order));
    }),
  );

  clockContract(name, withStore);
}
