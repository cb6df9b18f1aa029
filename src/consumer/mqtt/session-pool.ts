import { EventEmitter } from 'node:events';
import type { Delivery, SubscriberSession } from './subscriber-session.ts';

/**
 * Several MQTT connections that look like one session to the ingestor. A broker that caps unacknowledged
 * messages per connection (EMQX's default in-flight window is 32) would otherwise cap the whole consumer;
 * N connections in the same shared-subscription group get N windows. Each delivery is acknowledged on the
 * connection it came from, which keeps MQTT's per-connection PUBACK order intact.
 */
export class SessionPool extends EventEmitter implements SubscriberSession {
  private readonly owner = new WeakMap<Delivery, SubscriberSession>();

  constructor(private readonly sessions: SubscriberSession[]) {
    super();
    for (const session of sessions) {
      session.on('message', (d: Delivery) => {
        this.owner.set(d, session);
        this.emit('message', d);
      });
      for (const event of ['connect', 'disconnect', 'error', 'warning']) {
        session.on(event, (arg: unknown) => this.emit(event, arg));
      }
    }
  }

  async start(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.start()));
  }

  ack(delivery: Delivery): void {
    this.owner.get(delivery)?.ack(delivery);
  }

  publishQos0(topic: string, payload: Buffer): boolean {
    return this.sessions.some((s) => s.publishQos0(topic, payload));
  }

  pause(): void {
    for (const s of this.sessions) s.pause();
  }

  resume(): void {
    for (const s of this.sessions) s.resume();
  }

  get inFlight(): number {
    return this.sessions.reduce((sum, s) => sum + s.inFlight, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.close()));
  }
}
