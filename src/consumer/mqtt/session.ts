import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import mqttPacket, { type IConnackPacket, type IPublishPacket, type ISubackPacket, type Packet } from 'mqtt-packet';
import { pino, type Logger } from 'pino';
import { SeamError } from '../../contract/index.ts';
import { AckWindow } from './ack-window.ts';
import { dial, parseBrokerUrl, redactUrl } from './connect.ts';
import { MqttFraming } from './framing.ts';
import { connectPacket, disconnectPacket, pingreqPacket, pubackBatch, publishQos0Packet, subscribePacket } from './packets.ts';
import type { Delivery, SubscriberSession, SubscriberSessionOptions } from '../session.ts';

export type MqttSessionOptions = SubscriberSessionOptions & { logger?: Logger };

// v5 0x86 bad user name or password, 0x87 not authorized; v3.1.1 return codes 4 and 5 mean the same.
const AUTH_REFUSALS = { 4: new Set([4, 5]), 5: new Set([0x86, 0x87]) } as const;
const SUBSCRIBE_ID = 1;

/** A subscriber session on `mqtt-packet`; see docs/consumer.md for why it exists. */
export function createMqttSession(options: MqttSessionOptions): SubscriberSession {
  return new MqttSubscriberSession(options);
}

export class MqttSubscriberSession extends EventEmitter implements SubscriberSession {
  readonly #opts: MqttSessionOptions;
  readonly #version: 4 | 5;
  readonly #log: Logger;
  readonly #where: string;
  #socket: Socket | undefined;
  #connected = false;
  /** SUBACK seen on the current connection; until then pause() only holds PUBLISHes, so CONNACK/SUBACK get read. */
  #subscribed = false;
  #connection = 0;
  #window = new AckWindow();
  #releasable: number[] = [];
  #flushQueued = false;
  #paused = false;
  /** PUBLISHes parsed from a chunk that was already read when pause() came; delivered on resume(). */
  #held: IPublishPacket[] = [];
  #closed = false;
  #closing: Promise<void> | undefined;
  #attempt = 0;
  #lastError: Error | undefined;
  #timers = new Set<NodeJS.Timeout>();
  #awaitingPong = false;
  #start: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void; done: boolean } | undefined;

  constructor(options: MqttSessionOptions) {
    super();
    parseBrokerUrl(options.url); // a bad URL is a configuration error now, not a reconnect loop later
    this.#opts = options;
    this.#version = options.protocolVersion ?? 5;
    this.#where = redactUrl(options.url);
    this.#log = (options.logger ?? pino({ level: 'silent' })).child({ component: 'mqtt-session', clientId: options.clientId });
  }

  get inFlight(): number {
    return this.#window.pending;
  }

  start(): Promise<void> {
    if (this.#start) return this.#start.promise;
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    this.#start = { promise, resolve, reject, done: false };
    const timeoutMs = this.#opts.connectTimeoutMs ?? 30_000;
    this.#timer(timeoutMs, () => {
      if (this.#start?.done) return;
      const reason = this.#lastError ? `: ${this.#lastError.message}` : '';
      this.#stop(
        new SeamError('SEAM_ERR_BROKER_UNAVAILABLE', `MQTT broker ${this.#where} not reachable within ${timeoutMs} ms${reason}`, {
          field: 'url',
          cause: this.#lastError,
        }),
      );
    });
    void this.#dial();
    return promise;
  }

  ack(delivery: Delivery): void {
    // An old connection's identifiers mean nothing now: the broker redelivers those messages on this one.
    if (delivery.qos !== 1 || delivery.messageId === undefined || !this.#connected) return;
    if (delivery.connection !== this.#connection) return;
    if (this.#window.complete(delivery.messageId, this.#releasable) === 0 || this.#flushQueued) return;
    // Collect every ack of a commit loop into one socket write.
    this.#flushQueued = true;
    process.nextTick(() => this.#flush());
  }

  pause(): void {
    this.#paused = true;
    if (this.#subscribed) this.#socket?.pause();
  }

  resume(): void {
    this.#paused = false;
    // Walk, then cut once: shift() per packet made a long held list quadratic.
    let next = 0;
    while (!this.#paused && next < this.#held.length) this.#deliver(this.#held[next++]);
    this.#held = next === this.#held.length ? [] : this.#held.slice(next);
    if (!this.#paused) this.#socket?.resume();
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const socket = this.#socket;
    const connected = this.#connected;
    this.#stop(new SeamError('SEAM_ERR_BROKER_UNAVAILABLE', `session closed before subscribing at ${this.#where}`));
    if (!socket || socket.destroyed) return;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    if (connected) {
      this.#flush();
      socket.write(disconnectPacket(this.#version));
    }
    socket.end();
    // Keep reading until the broker hangs up: closing with unread bytes makes the kernel send RST, which can
    // discard the PUBACKs and DISCONNECT still in our send buffer.
    socket.resume();
    const force = setTimeout(() => socket.destroy(), 2_000);
    await closed;
    clearTimeout(force);
  }

  async #dial(): Promise<void> {
    if (this.#closed) return;
    let socket: Socket;
    try {
      socket = await dial({ ...this.#opts, timeoutMs: (this.#opts.keepaliveSeconds ?? 30) * 1000 });
    } catch (err) {
      this.#lastError = err as Error;
      this.#retry();
      return;
    }
    if (this.#closed) return void socket.destroy();
    this.#attach(socket);
  }

  #attach(socket: Socket): void {
    this.#socket = socket;
    const onPacket = (packet: Packet) => {
      if (socket === this.#socket && !this.#closed) this.#onPacket(packet, socket);
    };
    const parser = mqttPacket.parser({ protocolVersion: this.#version });
    parser.on('packet', onPacket);
    parser.on('error', (err: Error) => socket.destroy(err));
    // Plain PUBLISHes are decoded on the way (consumer/mqtt/framing.ts); every other packet goes to mqtt-packet.
    const framing = new MqttFraming(this.#version, {
      publish: (packet) => onPacket(packet as IPublishPacket),
      other: (bytes) => parser.parse(bytes),
      error: (err) => socket.destroy(err),
    });
    socket.on('data', (chunk: Buffer) => framing.push(chunk));
    socket.on('error', (err) => (this.#lastError = err));
    socket.on('close', () => this.#onClose(socket));
    const keepalive = this.#opts.keepaliveSeconds ?? 30;
    const address = parseBrokerUrl(this.#opts.url);
    socket.write(
      connectPacket(this.#opts, this.#version, {
        username: this.#opts.username ?? address.username,
        password: this.#opts.password ?? address.password,
      }),
    );
    this.#timer(keepalive * 1000, () => {
      if (!this.#connected && socket === this.#socket) socket.destroy(new Error(`no CONNACK within ${keepalive} s`));
    });
  }

  #onPacket(packet: Packet, socket: Socket): void {
    switch (packet.cmd) {
      case 'connack':
        return this.#onConnack(packet, socket);
      case 'suback':
        return this.#onSuback(packet);
      case 'publish':
        return this.#paused ? void this.#held.push(packet) : this.#deliver(packet);
      case 'pingresp':
        this.#awaitingPong = false;
        return;
      case 'disconnect':
        this.#log.warn({ reasonCode: packet.reasonCode, reason: packet.properties?.reasonString }, 'broker sent DISCONNECT');
        this.#lastError = new Error(`broker sent DISCONNECT with reason 0x${(packet.reasonCode ?? 0).toString(16)}`);
        socket.destroy();
        return;
      default:
        this.#log.debug({ cmd: packet.cmd }, 'ignored packet');
    }
  }

  #onConnack(packet: IConnackPacket, socket: Socket): void {
    const code = (this.#version === 5 ? packet.reasonCode : packet.returnCode) ?? 0;
    if (code !== 0) {
      const reason = packet.properties?.reasonString ? ` (${packet.properties.reasonString})` : '';
      if (AUTH_REFUSALS[this.#version].has(code)) {
        const err = new SeamError(
          'SEAM_ERR_BROKER_AUTH',
          `MQTT broker ${this.#where} refused client ${this.#opts.clientId}: bad credentials or not authorized, code 0x${code.toString(16)}${reason}`,
          { field: 'username' },
        );
        this.#stop(err);
        if (this.listenerCount('error') > 0) this.emit('error', err);
        else this.#log.error({ err }, 'broker refused credentials');
        return;
      }
      this.#lastError = new Error(`CONNACK refused with code 0x${code.toString(16)}${reason}`);
      socket.destroy();
      return;
    }
    this.#connected = true;
    this.#lastError = undefined;
    this.#connection++;
    this.#window = new AckWindow();
    this.#log.info({ url: this.#where, sessionPresent: packet.sessionPresent, connection: this.#connection }, 'connected');
    this.emit('connect', { sessionPresent: packet.sessionPresent, connection: this.#connection });
    const keepalive = packet.properties?.serverKeepAlive ?? this.#opts.keepaliveSeconds ?? 30;
    if (keepalive > 0) this.#ping(socket, keepalive);
    // Even with sessionPresent the subscriptions exist already; subscribing again is harmless and covers a
    // broker that lost them.
    socket.write(subscribePacket(this.#opts.filters, SUBSCRIBE_ID, this.#version));
  }

  #onSuback(packet: ISubackPacket): void {
    (packet.granted as number[]).forEach((reasonCode, i) => {
      if (reasonCode < 0x80) return;
      const filter = this.#opts.filters[i];
      this.#log.warn({ filter, reasonCode }, 'broker refused subscription');
      this.emit('warning', { filter, reasonCode });
    });
    this.#attempt = 0;
    this.#subscribed = true;
    if (this.#paused) this.#socket?.pause();
    if (this.#start && !this.#start.done) {
      this.#start.done = true;
      this.#start.resolve();
    }
  }

  #deliver(packet: IPublishPacket): void {
    if (packet.qos === 2) return void this.#log.error({ topic: packet.topic }, 'QoS 2 PUBLISH on a QoS 1 subscription');
    if (packet.qos === 1) this.#window.add(packet.messageId!);
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const delivery: Delivery = {
      topic: packet.topic,
      payload,
      qos: packet.qos,
      dup: packet.dup,
      connection: this.#connection,
      messageId: packet.qos === 1 ? packet.messageId : undefined,
    };
    this.emit('message', delivery);
  }

  publishQos0(topic: string, payload: Buffer): boolean {
    if (!this.#socket || !this.#connected) return false;
    this.#socket.write(publishQos0Packet(topic, payload, this.#version));
    return true;
  }

  #flush(): void {
    this.#flushQueued = false;
    const ids = this.#releasable;
    if (ids.length === 0 || !this.#socket || !this.#connected) return;
    this.#releasable = [];
    this.#socket.write(pubackBatch(ids));
  }

  #ping(socket: Socket, keepalive: number): void {
    this.#awaitingPong = false;
    const interval = setInterval(() => {
      if (socket !== this.#socket) return clearInterval(interval);
      // While paused we do not read the socket, so a PINGRESP may be sitting unread: not a sign of death.
      if (this.#awaitingPong && !this.#paused) return void socket.destroy(new Error(`no PINGRESP within ${keepalive} s`));
      this.#awaitingPong = true;
      socket.write(pingreqPacket());
    }, keepalive * 1000);
    socket.once('close', () => clearInterval(interval));
  }

  #onClose(socket: Socket): void {
    if (socket !== this.#socket) return;
    const wasConnected = this.#connected;
    this.#socket = undefined;
    this.#connected = false;
    this.#subscribed = false;
    this.#releasable = [];
    this.#held = [];
    this.#window = new AckWindow();
    if (wasConnected) {
      this.#log[this.#closed ? 'info' : 'warn']({ err: this.#lastError, url: this.#where }, 'disconnected');
      this.emit('disconnect', this.#lastError);
    }
    if (!this.#closed) this.#retry();
  }

  #retry(): void {
    if (this.#closed) return;
    const min = this.#opts.reconnectMinMs ?? 100;
    const max = this.#opts.reconnectMaxMs ?? 5_000;
    const base = Math.min(max, min * 2 ** Math.min(this.#attempt++, 30));
    // Jitter spreads a fleet of consumers so a restarted broker is not hit by all of them at once.
    const delay = Math.round(base / 2 + (Math.random() * base) / 2);
    this.#log.debug({ delay, attempt: this.#attempt, err: this.#lastError?.message }, 'reconnecting');
    this.#timer(delay, () => void this.#dial());
  }

  /** Stops for good: no more reconnects; a pending start() rejects with `err`. */
  #stop(err: Error): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    if (this.#start && !this.#start.done) {
      this.#start.done = true;
      this.#start.reject(err);
      this.#socket?.destroy();
    } else if (err instanceof SeamError && err.code === 'SEAM_ERR_BROKER_AUTH') {
      this.#socket?.destroy();
    }
  }

  #timer(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }
}
