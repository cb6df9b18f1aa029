import { EventEmitter } from 'node:events';
import type { SubscriberSession } from '../../src/consumer/mqtt/subscriber-session.ts';

/** A subscriber session for an Ingestor under test: the test emits 'message' deliveries; acknowledgements are counted. */
export class FakeSession extends EventEmitter {
  acked = 0;
  pause() {}
  resume() {}
  ack() {
    this.acked++;
  }
  publishQos0() {}

  /** As the Ingestor takes it. */
  get session(): SubscriberSession {
    return this as unknown as SubscriberSession;
  }
}
