import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { IConnackPacket, IPublishPacket, ISubackPacket, Packet } from 'mqtt-packet';
import { pino, type Logger } from 'pino';
import { SeamError } from '../../contract/index.ts';
import { AckWindow } from './ack-window.ts';
import { connackRefusal } from './connack.ts';
import { dial, parseBrokerUrl, redactUrl } from './connect.ts';
import { hangUp } from './hang-up.ts';
import { startKeepalive } from './keepalive.ts';
import { connectPacket, disconnectPacket, pubackBatch, publishQos0Packet, subscribePacket } from './packets.ts';
import { readPackets } from './reader.ts';
import { reconnectDelay, SessionTimers } from './reconnect.ts';
import { StartGate } from './start-gate.ts';
import type { Delivery, SubscriberSession, SubscriberSessionOptions } from './subscriber-session.ts';

export type MqttSessionOptions = SubscriberSessionOptions & { logger?: Logger };

const SUBSCRIBE_ID = 1;

/** A subscriber session on `mqtt-packet`; see docs/consumer.md for why it exists. */
export function createMqttSession(options: MqttSessionOptions): SubscriberSession {
  return new MqttSubscriberSession(options);
}

/**
 * Connects, subscribes, delivers PUBLISHes and sends their PUBACKs in arrival order; reconnects until closed.
 * The parts it leans on each do one thing: reader.ts cuts the bytes into packets, connack.ts reads a refusal,
 * keepalive.ts pings, reconnect.ts times the retries, hang-up.ts closes without losing the last PUBACKs.
 */
export class MqttSubscriberSession extends EventEmitter implements SubscriberSession {
  private readonly opts: MqttSessionOptions;
  private readonly version: 4 | 5;
  private readonly log: Logger;
  private readonly where: string;
  private socket: Socket | undefined;
  private connected = false;
  /** SUBACK seen on the current connection; until then pause() only holds PUBLISHes, so CONNACK/SUBACK get read. */
  private subscribed = false;
  private connection = 0;
  private window = new AckWindow();
  private releasable: number[] = [];
  private flushQueued = false;
  private paused = false;
  /** PUBLISHes parsed from a chunk that was already read when pause() came; delivered on resume(). */
  private held: IPublishPacket[] = [];
  private closed = false;
  private closing: Promise<void> | undefined;
  private attempt = 0;
  private lastError: Error | undefined;
  private readonly timers = new SessionTimers();
  private keepalive: { pong(): void } | undefined;
  private readonly keepaliveOwner = { owns: (socket: Socket) => socket === this.socket, paused: () => this.paused };
  private startGate: StartGate | undefined;

  constructor(options: MqttSessionOptions) {
    super();
    parseBrokerUrl(options.url); // a bad URL is a configuration error now, not a reconnect loop later
    this.opts = options;
    this.version = options.protocol ?? 5;
    this.where = redactUrl(options.url);
    this.log = (options.logger ?? pino({ level: 'silent' })).child({ component: 'mqtt-session', clientId: options.clientId });
  }

  get inFlight(): number {
    return this.window.pending;
  }

  start(): Promise<void> {
    if (this.startGate) return this.startGate.promise;
    this.startGate = new StartGate();
    const timeoutMs = this.opts.connectTimeoutMs ?? 30_000;
    this.timers.after(timeoutMs, () => {
      if (this.startGate?.done) return;
      const reason = this.lastError ? `: ${this.lastError.message}` : '';
      this.stop(
        new SeamError('SEAM_ERR_BROKER_UNAVAILABLE', `MQTT broker ${this.where} not reachable within ${timeoutMs} ms${reason}`, {
          field: 'url',
          cause: this.lastError,
        }),
      );
    });
    void this.dial();
    return this.startGate.promise;
  }

  ack(delivery: Delivery): void {
    // An old connection's identifiers mean nothing now: the broker redelivers those messages on this one.
    if (delivery.qos !== 1 || delivery.messageId === undefined || !this.connected) return;
    if (delivery.connection !== this.connection) return;
    if (this.window.complete(delivery.messageId, this.releasable) === 0 || this.flushQueued) return;
    // Collect every ack of a commit loop into one socket write.
    this.flushQueued = true;
    process.nextTick(() => this.flush());
  }

  pause(): void {
    this.paused = true;
    if (this.subscribed) this.socket?.pause();
  }

  resume(): void {
    this.paused = false;
    // Walk, then cut once: shift() per packet made a long held list quadratic.
    let next = 0;
    while (!this.paused && next < this.held.length) this.deliver(this.held[next++]);
    this.held = next === this.held.length ? [] : this.held.slice(next);
    if (!this.paused) this.socket?.resume();
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    const socket = this.socket;
    const connected = this.connected;
    this.stop(new SeamError('SEAM_ERR_BROKER_UNAVAILABLE', `session closed before subscribing at ${this.where}`));
    if (!socket || socket.destroyed) return;
    await hangUp(socket, () => {
      if (!connected) return;
      this.flush();
      socket.write(disconnectPacket(this.version));
    });
  }

  private async dial(): Promise<void> {
    if (this.closed) return;
    let socket: Socket;
    try {
      socket = await dial({ ...this.opts, timeoutMs: (this.opts.keepaliveSeconds ?? 30) * 1000 });
    } catch (err) {
      this.lastError = err as Error;
      this.retry();
      return;
    }
    if (this.closed) return void socket.destroy();
    this.attach(socket);
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    readPackets(socket, this.version, (packet) => {
      if (socket === this.socket && !this.closed) this.onPacket(packet, socket);
    });
    socket.on('error', (err) => (this.lastError = err));
    socket.on('close', () => this.onClose(socket));
    const keepalive = this.opts.keepaliveSeconds ?? 30;
    const address = parseBrokerUrl(this.opts.url);
    socket.write(
      connectPacket(this.opts, this.version, {
        username: this.opts.username ?? address.username,
        password: this.opts.password ?? address.password,
      }),
    );
    this.timers.after(keepalive * 1000, () => {
      if (!this.connected && socket === this.socket) socket.destroy(new Error(`no CONNACK within ${keepalive} s`));
    });
  }

  private onPacket(packet: Packet, socket: Socket): void {
    switch (packet.cmd) {
      case 'connack':
        return this.onConnack(packet, socket);
      case 'suback':
        return this.onSuback(packet);
      case 'publish':
        return this.paused ? void this.held.push(packet) : this.deliver(packet);
      case 'pingresp':
        return this.keepalive?.pong();
      case 'disconnect':
        this.log.warn({ reasonCode: packet.reasonCode, reason: packet.properties?.reasonString }, 'broker sent DISCONNECT');
        this.lastError = new Error(`broker sent DISCONNECT with reason 0x${(packet.reasonCode ?? 0).toString(16)}`);
        socket.destroy();
        return;
      default:
        this.log.debug({ cmd: packet.cmd }, 'ignored packet');
    }
  }

  private onConnack(packet: IConnackPacket, socket: Socket): void {
    const refusal = connackRefusal(packet, this.version);
    if (refusal?.auth) {
      const err = new SeamError(
        'SEAM_ERR_BROKER_AUTH',
        `MQTT broker ${this.where} refused client ${this.opts.clientId}: bad credentials or not authorized, code 0x${refusal.code.toString(16)}${refusal.reason}`,
        { field: 'username' },
      );
      this.stop(err);
      if (this.listenerCount('error') > 0) this.emit('error', err);
      else this.log.error({ err }, 'broker refused credentials');
      return;
    }
    if (refusal) {
      this.lastError = new Error(`CONNACK refused with code 0x${refusal.code.toString(16)}${refusal.reason}`);
      socket.destroy();
      return;
    }
    this.connected = true;
    this.lastError = undefined;
    this.connection++;
    this.window = new AckWindow();
    this.log.info({ url: this.where, sessionPresent: packet.sessionPresent, connection: this.connection }, 'connected');
    this.emit('connect', { sessionPresent: packet.sessionPresent, connection: this.connection });
    const keepalive = packet.properties?.serverKeepAlive ?? this.opts.keepaliveSeconds ?? 30;
    if (keepalive > 0) this.keepalive = startKeepalive(socket, keepalive, this.keepaliveOwner);
    // Even with sessionPresent the subscriptions exist already; subscribing again is harmless and covers a
    // broker that lost them.
    socket.write(subscribePacket(this.opts.filters, SUBSCRIBE_ID, this.version));
  }

  private onSuback(packet: ISubackPacket): void {
    (packet.granted as number[]).forEach((reasonCode, i) => {
      if (reasonCode < 0x80) return;
      const filter = this.opts.filters[i];
      this.log.warn({ filter, reasonCode }, 'broker refused subscription');
      this.emit('warning', { filter, reasonCode });
    });
    this.attempt = 0;
    this.subscribed = true;
    if (this.paused) this.socket?.pause();
    this.startGate?.resolve();
  }

  private deliver(packet: IPublishPacket): void {
    if (packet.qos === 2) return void this.log.error({ topic: packet.topic }, 'QoS 2 PUBLISH on a QoS 1 subscription');
    if (packet.qos === 1) this.window.add(packet.messageId!);
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const delivery: Delivery = {
      topic: packet.topic,
      payload,
      qos: packet.qos,
      dup: packet.dup,
      connection: this.connection,
      messageId: packet.qos === 1 ? packet.messageId : undefined,
    };
    this.emit('message', delivery);
  }

  publishQos0(topic: string, payload: Buffer): boolean {
    if (!this.socket || !this.connected) return false;
    this.socket.write(publishQos0Packet(topic, payload, this.version));
    return true;
  }

  private flush(): void {
    this.flushQueued = false;
    const ids = this.releasable;
    if (ids.length === 0 || !this.socket || !this.connected) return;
    this.releasable = [];
    this.socket.write(pubackBatch(ids));
  }

  private onClose(socket: Socket): void {
    if (socket !== this.socket) return;
    const wasConnected = this.connected;
    this.socket = undefined;
    this.connected = false;
    this.subscribed = false;
    this.releasable = [];
    this.held = [];
    this.window = new AckWindow();
    if (wasConnected) {
      this.log[this.closed ? 'info' : 'warn']({ err: this.lastError, url: this.where }, 'disconnected');
      this.emit('disconnect', this.lastError);
    }
    if (!this.closed) this.retry();
  }

  private retry(): void {
    if (this.closed) return;
    const delay = reconnectDelay(this.attempt++, this.opts.reconnectMinMs ?? 100, this.opts.reconnectMaxMs ?? 5_000);
    this.log.debug({ delay, attempt: this.attempt, err: this.lastError?.message }, 'reconnecting');
    this.timers.after(delay, () => void this.dial());
  }

  /** Stops for good: no more reconnects; a pending start() rejects with `err`. */
  private stop(err: Error): void {
    this.closed = true;
    this.timers.clear();
    if (this.startGate?.reject(err)) {
      this.socket?.destroy();
    } else if (err instanceof SeamError && err.code === 'SEAM_ERR_BROKER_AUTH') {
      this.socket?.destroy();
    }
  }
}
