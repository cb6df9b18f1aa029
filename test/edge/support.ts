import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { DetectionV1 } from '../../src/contract/index.ts';
import type { EdgeDetectionInput } from '../../src/edge/bridge/record.ts';

/** A fresh temp directory removed by the returned cleanup. */
export function tempDir(prefix = 'seamline-edge-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const CLASSES = ['scratch', 'dent', 'burr'];
let inputs = 0;

/**
 * `n` boxes, one class after another. makeInput cycles its box count through 2, 0, 3, 1 (6 boxes every four
 * inputs), so a test counting detections can tell them from frames: a count that confused the two, or
 * dropped empty frames, comes out wrong.
 */
export function boxes(n: number): EdgeDetectionInput['detections'] {
  return Array.from({ length: n }, (_, i) => ({
    class: CLASSES[i % 3],
    class_id: i % 3,
    confidence: 0.9 - i / 10,
    bbox: [10 + i, 20, 30, 40],
  }));
}

/** A valid edge input; region/site/camera come from the bridge unless overridden. */
export function makeInput(overrides: Record<string, unknown> = {}): EdgeDetectionInput {
  const captured = Date.now();
  return {
    captured_at: new Date(captured).toISOString(),
    inferred_at: new Date(captured + 20).toISOString(),
    model: { name: 'yolov8n', version: '8.1.0' },
    frame: { width: 1280, height: 720 },
    detections: boxes([2, 0, 3, 1][inputs++ % 4]),
    ...overrides,
  } as EdgeDetectionInput;
}

/** Boxes in a list of inputs (or of received events). */
export const boxCount = (items: { detections: unknown[] }[]) => items.reduce((n, i) => n + i.detections.length, 0);

/** An MQTT.js subscriber at QoS 1 that keeps every detection it receives, by event_id. */
export interface Collector {
  client: MqttClient;
  /** event_id -> the message as received (last copy). */
  byId: Map<string, DetectionV1>;
  received: number;
  /** seq of each first arrival, in arrival order. */
  order: number[];
  statuses: { topic: string; message: Record<string, unknown>; retain: boolean }[];
  /** Anything else under the filter (the bridge's repair answers and announcements), kept apart from events. */
  others: { topic: string; message: Record<string, unknown> }[];
  /** Waits for `distinct` event_ids; on timeout the error includes `context()` (e.g. bridge stats). */
  waitFor(distinct: number, timeoutMs: number, context?: () => unknown): Promise<void>;
  close(): Promise<void>;
}

/**
 * With `persistent`, the collector keeps a broker session (clean off, long expiry), so events the bridge
 * republishes while the collector is still reconnecting after a broker restart are queued for it.
 */
export async function collect(
  url: string,
  options: { protocolVersion?: 4 | 5; filter?: string; persistent?: boolean } = {},
): Promise<Collector> {
  const protocolVersion = options.protocolVersion ?? 5;
  const persistent = options.persistent ?? false;
  const client = await mqtt.connectAsync(url, {
    protocolVersion,
    clientId: `collector-${process.pid}-${Math.random().toString(16).slice(2)}`,
    clean: !persistent,
    reconnectPeriod: 100,
    properties: protocolVersion === 5 && persistent ? { sessionExpiryInterval: 3600 } : undefined,
  });
  const c: Collector = {
    client,
    byId: new Map(),
    received: 0,
    order: [],
    statuses: [],
    others: [],
    async waitFor(distinct, timeoutMs, context) {
      const until = Date.now() + timeoutMs;
      while (c.byId.size < distinct) {
        if (Date.now() > until) {
          const extra = context ? `; ${JSON.stringify(context())}` : '';
          throw new Error(`received ${c.byId.size} distinct of ${distinct} after ${timeoutMs} ms (connected: ${client.connected})${extra}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => client.endAsync(true),
  };
  client.on('message', (topic, payload, packet) => {
    // Evidence is a JSON header line and a JPEG (docs/contract.md#evidencev1): kept aside, not parsed as JSON.
    if (topic.endsWith('/evidence')) {
      c.others.push({ topic, message: { evidence_bytes: payload.byteLength } });
      return;
    }
    const message = JSON.parse(payload.toString()) as Record<string, unknown>;
    if (topic.endsWith('/status')) {
      c.statuses.push({ topic, message, retain: packet.retain });
      return;
    }
    if (!topic.endsWith('/detection')) {
      c.others.push({ topic, message });
      return;
    }
    c.received++;
    if (!c.byId.has(message.event_id as string)) c.order.push(message.seq as number);
    c.byId.set(message.event_id as string, message as unknown as DetectionV1);
  });
  await client.subscribeAsync(options.filter ?? 'vision/#', { qos: 1 });
  return c;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
