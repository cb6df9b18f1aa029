import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, test } from 'node:test';
import mqtt, { ErrorWithReasonCode, type IClientOptions, type MqttClient } from 'mqtt';
import { pino, type Logger } from 'pino';
import { freePort } from '../../src/proof/services/free-port.ts';
import { startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { isSeamError } from '../../src/contract/index.ts';
import { startConsumer, type ConsumerOptions, type RunningConsumer } from '../../src/consumer/consumer.ts';
import { createBridge, type Bridge, type BridgeOptions } from '../../src/edge/bridge/bridge.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { boxCount, makeInput, tempDir } from '../edge/support.ts';
import { waitFor } from '../helpers/wait.ts';
import { makePki, type TestPki } from './pki.ts';

/**
 * The broker here runs deploy/mosquitto/mosquitto.conf and deploy/mosquitto/acl themselves (paths and
 * port swapped for a temp dir and loopback), with users made by deploy/mosquitto/make-passwords.sh, so what
 * these tests prove is what the samples do.
 */
const DEPLOY = fileURLToPath(new URL('../../deploy/mosquitto/', import.meta.url));
const CAM_A = { user: 'eu.plant-1.cam-01', region: 'eu', site: 'plant-1', camera: 'cam-01' };
const CAM_B = { user: 'eu.plant-1.cam-02', region: 'eu', site: 'plant-1', camera: 'cam-02' };
const topicOf = (c: typeof CAM_A, kind: 'detection' | 'status' | 'evidence' | 'repair-request' | 'repair-answer') =>
  `vision/${c.region}/${c.site}/${c.camera}/${kind}`;
const WRONG_PASSWORD = 'wrong-Zq9-password-x7';
const NOT_AUTHORIZED = 0x87;

let dir: string;
let broker: RunningMosquitto;
let pki: TestPki;
let generatedAcl: string;
const passwords: Record<string, string> = {};
/** Server-authenticated TLS (the sample's listener) and mutual TLS (require_certificate true). */
let tlsUrl: string;
let mtlsUrl: string;
const cleanups: (() => unknown)[] = [];

/**
 * The sample config with its paths pointed at `dir` and its network listener at a loopback port. Each
 * replacement must hit, so editing the sample cannot silently leave this test running something else.
 */
function sampleConfig(port: number): string {
  let conf = readFileSync(join(DEPLOY, 'mosquitto.conf'), 'utf8');
  const swap = (from: RegExp, to: string) => {
    assert.match(conf, from, `deploy/mosquitto/mosquitto.conf has ${from}`);
    conf = conf.replace(from, to);
  };
  swap(/^listener 8883$/m, `listener ${port} 127.0.0.1`);
  swap(/\/etc\/mosquitto\//g, `${dir}/`);
  // The launcher sets its own persistence dir (Mosquitto refuses a second one) and logging; syslog is no
  // place for a test's noise.
  swap(/^persistence_location .*$/m, '');
  swap(/^log_dest .*$/gm, '');
  return conf;
}

/** Started as root, Mosquitto reads these files as the `mosquitto` user (see src/proof/services/mosquitto.ts). */
function handToMosquittoUser(path: string): void {
  if (process.getuid?.() !== 0) return;
  if (spawnSync('id', ['-u', 'mosquitto']).status !== 0) return;
  execFileSync('chown', ['-R', 'mosquitto:', path]);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seamline-security-'));
  const generated = join(dir, 'generated');
  execFileSync('bash', [join(DEPLOY, 'make-passwords.sh'), join(DEPLOY, 'cameras.example.txt'), generated], { stdio: 'pipe' });
  generatedAcl = readFileSync(join(generated, 'acl'), 'utf8');
  for (const user of [CAM_A.user, CAM_B.user, 'consumer']) {
    passwords[user] = readFileSync(join(generated, 'secrets', `${user}.password`), 'utf8').trim();
  }
  copyFileSync(join(generated, 'passwd'), join(dir, 'passwd'));
  copyFileSync(join(DEPLOY, 'acl'), join(dir, 'acl'));
  mkdirSync(join(dir, 'certs'));
  pki = makePki(join(dir, 'certs'), CAM_A.user);
  handToMosquittoUser(dir);

  const [port, mtlsPort] = [await freePort(), await freePort()];
  broker = await startMosquitto({
    port,
    listener: sampleConfig(port),
    extraConfig: [
      `listener ${mtlsPort} 127.0.0.1`,
      `cafile ${pki.caPath}`,
      `certfile ${pki.serverCertPath}`,
      `keyfile ${pki.serverKeyPath}`,
      'require_certificate true',
    ],
  });
  tlsUrl = `mqtts://127.0.0.1:${port}`;
  mtlsUrl = `mqtts://127.0.0.1:${mtlsPort}`;
});

/** Each test's bridges, consumers and clients go with it: a consumer left running would share its group. */
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

after(async () => {
  await broker?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A pino logger whose lines the test can read. */
function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { lines, logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }) };
}

let ids = 0;
function bridge(overrides: Partial<BridgeOptions> = {}): Bridge {
  const outbox = tempDir('seamline-security-edge-');
  cleanups.push(outbox.cleanup);
  const b = createBridge({
    url: tlsUrl,
    clientId: `security-edge-${ids++}`,
    region: CAM_A.region,
    site: CAM_A.site,
    camera: CAM_A.camera,
    dataDir: outbox.dir,
    username: CAM_A.user,
    password: passwords[CAM_A.user],
    ca: pki.ca,
    reconnectMinMs: 50,
    reconnectMaxMs: 300,
    heartbeat: 60,
    closeTimeoutMs: 200,
    ...overrides,
  });
  cleanups.push(() => b.close());
  return b;
}

async function consumer(overrides: Partial<ConsumerOptions> = {}): Promise<{ consumer: RunningConsumer; store: DuckDbStore }> {
  const store = new DuckDbStore({ path: ':memory:' });
  await store.open();
  cleanups.push(() => store.close());
  const running = await startConsumer({
    url: tlsUrl,
    clientId: `security-consumer-${ids++}`,
    // A group of its own: members of one group split the messages between their stores.
    group: `security-${ids}`,
    store,
    username: 'consumer',
    password: passwords.consumer,
    ca: pki.ca,
    connectTimeoutMs: 10_000,
    ...overrides,
  });
  cleanups.push(() => running.stop(2_000));
  return { consumer: running, store };
}

async function client(user: string, options: IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(tlsUrl, {
    protocolVersion: 5,
    clientId: `security-raw-${ids++}`,
    username: user,
    password: passwords[user],
    ca: pki.ca,
    reconnectPeriod: 0,
    ...options,
  });
  cleanups.push(() => c.endAsync(true));
  return c;
}

/**
 * PUBLISHes at QoS 1 on a connection of its own and returns the PUBACK's reason code (0 when accepted).
 * Its own connection, because Mosquitto 2.0.11 drops the connection right after a PUBACK 0x87 (logged as
 * "Bad socket read/write ... Unknown error"; eclipse-mosquitto/mosquitto#2579), and MQTT.js would then queue
 * the next PUBLISH forever.
 */
async function pubackCode(user: string, topic: string, payload: string, retain = false): Promise<number> {
  const c = await client(user);
  try {
    await c.publishAsync(topic, payload, { qos: 1, retain });
    return 0;
  } catch (err) {
    assert.ok(err instanceof ErrorWithReasonCode, `a reason code, not ${String(err)}`);
    return err.code;
  }
}

const settle = () => new Promise((r) => setTimeout(r, 300));

// Each test has its own limit; together they take about 11 s here.
describe('TLS, passwords and the sample ACL on Mosquitto', () => {
  test('make-passwords.sh generates exactly the committed sample acl from cameras.example.txt', { timeout: 60_000 }, () => {
    assert.equal(generatedAcl, readFileSync(join(DEPLOY, 'acl'), 'utf8'));
  });

  test('a bridge and a consumer with passwords over TLS deliver and store exactly 500 events', { timeout: 60_000 }, async () => {
    const { consumer: running, store } = await consumer();
    const b = bridge();
    await b.start();
    const inputs = Array.from({ length: 500 }, () => makeInput());
    await Promise.all(inputs.map((i) => b.accept(i)));
    assert.equal(await b.drain(15_000), true, 'the bridge emptied its outbox');
    await waitFor(
      async () => (await store.totals()).events >= 500 && running.session.inFlight === 0,
      15_000,
      '500 stored events, none in flight',
    );
    // The bridge drained, so every event was acknowledged by the broker; the consumer has committed and
    // acknowledged all it got: nothing more is on its way.
    assert.deepEqual(await store.totals(), { events: 500, detections: boxCount(inputs), deadLetters: 0 });
    assert.equal(b.stats().acked, 500);
    assert.equal(running.ingestor.stats.deadLettered, 0);
  });

  test('with require_certificate, the bridge and the consumer connect with client certificates, and a consumer without one is refused', {
    timeout: 60_000,
  }, async () => {
    const mutual = { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey };
    const { store } = await consumer({ url: mtlsUrl, ...mutual });
    const b = bridge({ url: mtlsUrl, ...mutual });
    await b.start();
    await Promise.all(Array.from({ length: 20 }, () => b.accept(makeInput())));
    assert.equal(await b.drain(10_000), true);
    await waitFor(async () => (await store.totals()).events >= 20, 10_000, '20 stored events');
    assert.equal((await store.totals()).events, 20);

    await assert.rejects(consumer({ url: mtlsUrl, connectTimeoutMs: 1_500 }), (err) => {
      assert.ok(isSeamError(err) && err.code === 'SEAM_ERR_BROKER_UNAVAILABLE', String(err));
      return true;
    });
  });

  test("a camera's credentials cannot publish to another camera's topics: PUBACK 0x87 and nothing reaches a reader", {
    timeout: 60_000,
  }, async () => {
    const reader = await client('consumer');
    const seen: { topic: string; payload: string }[] = [];
    reader.on('message', (topic, payload, packet) => {
      // Retained statuses left by earlier tests' bridges are history, not something published now.
      if (!packet.retain) seen.push({ topic, payload: payload.toString() });
    });
    await reader.subscribeAsync(['vision/+/+/+/detection', 'vision/+/+/+/status', 'vision/+/+/+/evidence'], { qos: 1 });

    assert.equal(await pubackCode(CAM_A.user, topicOf(CAM_B, 'detection'), 'forged'), NOT_AUTHORIZED);
    assert.equal(await pubackCode(CAM_A.user, topicOf(CAM_B, 'evidence'), 'forged'), NOT_AUTHORIZED);
    assert.equal(await pubackCode(CAM_A.user, topicOf(CAM_B, 'status'), 'forged', true), NOT_AUTHORIZED);
    assert.equal(await pubackCode(CAM_A.user, topicOf(CAM_B, 'repair-answer'), 'forged'), NOT_AUTHORIZED);
    assert.equal(await pubackCode(CAM_A.user, 'vision/eu/plant-1/cam-01/other', 'forged'), NOT_AUTHORIZED);
    // Their own topics work: the refusals above are the ACL, not a broken connection.
    assert.equal(await pubackCode(CAM_A.user, topicOf(CAM_A, 'detection'), 'own-a'), 0);
    assert.equal(await pubackCode(CAM_B.user, topicOf(CAM_B, 'detection'), 'own-b'), 0);
    assert.equal(await pubackCode(CAM_A.user, topicOf(CAM_A, 'evidence'), 'own-a-image'), 0);
    // The controls, published after the forgeries, must arrive; the forgeries would have been there first.
    await waitFor(() => seen.length >= 3, 10_000, 'the three messages published on their own topics');
    await settle();
    assert.deepEqual(seen, [
      { topic: topicOf(CAM_A, 'detection'), payload: 'own-a' },
      { topic: topicOf(CAM_B, 'detection'), payload: 'own-b' },
      { topic: topicOf(CAM_A, 'evidence'), payload: 'own-a-image' },
    ]);
  });

  test('a camera may subscribe but receives nothing, and the consumer user can publish nothing but repair requests', {
    timeout: 60_000,
  }, async () => {
    const camA = await client(CAM_A.user);
    const got: string[] = [];
    camA.on('message', (topic, payload, packet) => packet.retain || got.push(`${topic} ${payload}`));
    // Mosquitto 2.0 grants every SUBSCRIBE and applies read rights to each message it would deliver.
    const granted = await camA.subscribeAsync('vision/#', { qos: 1 });
    assert.equal(granted[0].qos, 1);
    // The control: the consumer user, subscribed to the same filter, does receive what camera B publishes.
    const reader = await client('consumer');
    const read: string[] = [];
    reader.on('message', (topic, payload, packet) => packet.retain || read.push(`${topic} ${payload}`));
    await reader.subscribeAsync('vision/#', { qos: 1 });
    assert.equal(await pubackCode(CAM_B.user, topicOf(CAM_B, 'detection'), 'b'), 0);
    assert.equal(await pubackCode(CAM_B.user, topicOf(CAM_B, 'status'), 'b'), 0);
    assert.equal(await pubackCode('consumer', topicOf(CAM_A, 'detection'), 'from-consumer'), NOT_AUTHORIZED);
    assert.equal(await pubackCode('consumer', topicOf(CAM_A, 'status'), 'from-consumer'), NOT_AUTHORIZED);
    assert.equal(await pubackCode('consumer', topicOf(CAM_A, 'repair-answer'), 'from-consumer'), NOT_AUTHORIZED);
    await waitFor(() => read.length >= 2, 10_000, "the consumer user to receive camera B's two messages");
    assert.deepEqual(read, [`${topicOf(CAM_B, 'detection')} b`, `${topicOf(CAM_B, 'status')} b`]);
    await settle(); // the broker handled both subscribers of each message together; camA's copies would be in by now
    assert.deepEqual(got, []);
  });

  test("a camera cannot make another camera replay, nor read its repair requests; a consumer can, and that camera's bridge answers", {
    timeout: 60_000,
  }, async () => {
    const b = bridge({ camera: CAM_B.camera, username: CAM_B.user, password: passwords[CAM_B.user] });
    await b.start();
    await Promise.all(Array.from({ length: 3 }, () => b.accept(makeInput())));
    assert.equal(await b.drain(10_000), true);
    const reader = await client('consumer');
    const answers: { kind: string; request_id?: string; incarnation: string; ranges: unknown[] }[] = [];
    reader.on('message', (_topic, payload) => answers.push(JSON.parse(payload.toString())));
    await reader.subscribeAsync(topicOf(CAM_B, 'repair-answer'), { qos: 1 });
    await waitFor(() => answers.some((a) => a.kind === 'announce'), 10_000, "camera B's announcement");
    const incarnation = answers.find((a) => a.kind === 'announce')!.incarnation;
    const camA = await client(CAM_A.user);
    const overheard: string[] = [];
    camA.on('message', (topic) => overheard.push(topic));
    await camA.subscribeAsync('vision/#', { qos: 1 });
    const request = (id: string) =>
      JSON.stringify({
        schema_version: 'repair-request.v1',
        request_id: id,
        region: CAM_B.region,
        site: CAM_B.site,
        camera: CAM_B.camera,
        incarnation,
        ranges: [{ from: 1, to: 3 }],
        requested_at: new Date().toISOString(),
      });

    assert.equal(
      await pubackCode(CAM_A.user, topicOf(CAM_B, 'repair-request'), request('0190a000-0000-7000-8000-00000000000a')),
      NOT_AUTHORIZED,
    );
    assert.equal(
      await pubackCode(CAM_A.user, topicOf(CAM_A, 'repair-request'), request('0190a000-0000-7000-8000-00000000000b')),
      NOT_AUTHORIZED,
      'cameras may not ask at all',
    );
    await settle();
    assert.equal(b.stats().repair_requests, 0, "camera B's bridge got no request from camera A");
    // The control: the consumer's request on the same topic goes through and is answered.
    assert.equal(await pubackCode('consumer', topicOf(CAM_B, 'repair-request'), request('0190a000-0000-7000-8000-00000000000c')), 0);
    await waitFor(() => answers.some((a) => a.request_id === '0190a000-0000-7000-8000-00000000000c'), 10_000, "camera B's answer");
    assert.equal(b.stats().repair_requests, 1);
    await waitFor(() => b.stats().republished === 3, 10_000, 'three republished');
    await settle();
    assert.deepEqual(
      overheard.filter((t) => t.endsWith('/repair-request')),
      [],
      "camera A never read camera B's requests",
    );
  });

  test("a bridge holding one camera's credentials but configured as another keeps every refused event in its outbox", {
    timeout: 60_000,
  }, async () => {
    const { store } = await consumer();
    const b = bridge({ camera: CAM_B.camera });
    await b.start();
    await Promise.all(Array.from({ length: 3 }, () => b.accept(makeInput())));
    // Mosquitto refuses the birth status and drops the connection; the bridge reconnects and tries again.
    await waitFor(() => b.stats().reconnects >= 2, 10_000, 'the bridge to be dropped and to reconnect');
    await settle();
    const s = b.stats();
    assert.equal(s.acked, 0);
    assert.equal(s.outbox_depth, 3, 'refused events stay in the outbox, to be published once the ACL is fixed');
    assert.equal((await store.totals()).events, 0);
  });

  test('a bridge refused by the ACL says so at error level and backs off', { timeout: 60_000 }, async () => {
    const { logger, lines } = capturedLogger();
    const b = bridge({ camera: CAM_B.camera, logger, reconnectMinMs: 50, reconnectMaxMs: 1_000 });
    await b.start();
    await b.accept(makeInput());
    await new Promise((r) => setTimeout(r, 2_000));
    const errors = lines.map((l) => JSON.parse(l)).filter((l) => l.level >= 50);
    assert.ok(
      errors.some((l) => l.code === NOT_AUTHORIZED),
      'an error-level line with reason code 0x87',
    );
    // Doubling from 50 ms to a 1 s cap allows about 6 attempts in 2 s.
    assert.ok(b.stats().reconnects <= 8, `reconnected ${b.stats().reconnects} times in 2 s`);
  });

  test('a wrong password is refused: the consumer rejects with SEAM_ERR_BROKER_AUTH and never shows the password', {
    timeout: 60_000,
  }, async () => {
    const { logger, lines } = capturedLogger();
    await assert.rejects(consumer({ password: WRONG_PASSWORD, logger }), (err) => {
      assert.ok(isSeamError(err), String(err));
      assert.equal(err.code, 'SEAM_ERR_BROKER_AUTH');
      assert.match(err.message, /refused client .*bad credentials or not authorized/);
      assert.ok(!err.message.includes(WRONG_PASSWORD), 'the message does not contain the password');
      return true;
    });
    assert.ok(
      lines.every((l) => !l.includes(WRONG_PASSWORD)),
      'no log line contains the password',
    );
  });

  test('a wrong password is refused: the bridge logs the refusal at error level without the password and stays disconnected', {
    timeout: 60_000,
  }, async () => {
    const { logger, lines } = capturedLogger();
    const b = bridge({ password: WRONG_PASSWORD, logger });
    await b.start();
    await waitFor(() => lines.some((l) => l.includes('broker refused the credentials')), 10_000, 'the refusal to be logged');
    const refusal = JSON.parse(lines.find((l) => l.includes('broker refused the credentials'))!);
    assert.equal(refusal.level, 50);
    assert.equal(refusal.code, NOT_AUTHORIZED);
    assert.equal(b.stats().connected, false);
    // Waiting says why: the credentials, not an unreachable broker.
    await assert.rejects(
      b.waitForConnection(300),
      (err) => isSeamError(err) && err.code === 'SEAM_ERR_BROKER_AUTH' && !err.message.includes(WRONG_PASSWORD),
    );
    assert.ok(
      lines.every((l) => !l.includes(WRONG_PASSWORD)),
      'no log line contains the password',
    );
  });

  test("a password in the bridge's broker URL never reaches its logs", { timeout: 60_000 }, async () => {
    const { logger, lines } = capturedLogger();
    const password = passwords[CAM_A.user];
    const url = new URL(tlsUrl);
    url.username = CAM_A.user;
    url.password = password;
    const b = bridge({ url: url.toString(), username: undefined, password: undefined, logger });
    await b.start();
    await b.waitForConnection(5_000);
    assert.ok(lines.length > 0);
    assert.ok(
      lines.every((l) => !l.includes(encodeURIComponent(password)) && !l.includes(password)),
      'no log line contains the password',
    );
  });

  test('a plain-TCP client cannot connect to the TLS listener', { timeout: 60_000 }, async () => {
    await assert.rejects(consumer({ url: tlsUrl.replace('mqtts:', 'mqtt:'), connectTimeoutMs: 1_500 }), (err) => {
      assert.ok(isSeamError(err) && err.code === 'SEAM_ERR_BROKER_UNAVAILABLE', String(err));
      return true;
    });
  });

  test('a client that trusts another CA refuses the broker before sending its credentials', { timeout: 60_000 }, async () => {
    await assert.rejects(consumer({ ca: pki.untrustedCa, connectTimeoutMs: 1_500 }), (err) => {
      assert.ok(isSeamError(err) && err.code === 'SEAM_ERR_BROKER_UNAVAILABLE', String(err));
      assert.match(err.message, /certificate/i);
      return true;
    });
    const b = bridge({ ca: pki.untrustedCa });
    await b.start();
    await assert.rejects(b.waitForConnection(1_000), (err) => isSeamError(err) && err.code === 'SEAM_ERR_BROKER_UNAVAILABLE');
  });
});
