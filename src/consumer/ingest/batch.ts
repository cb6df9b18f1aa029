import { cameraKey, type DetectionV1, type StatusV1 } from '../../contract/index.ts';
import type { DeadLetter } from '../../store/store.ts';
import type { Delivery } from '../mqtt/subscriber-session.ts';

/** A status to write, and the delivery that brought it (its raw bytes, should the store refuse it). */
export interface StatusEntry {
  status: StatusV1;
  receivedAt: Date;
  delivery: Delivery;
}

/**
 * What one commit writes, and the deliveries it acknowledges once the commit succeeds. A delivery whose
 * event is already in the batch (a redelivery racing the original) rides along: acknowledged with it,
 * written once.
 */
export class Batch {
  readonly events: DetectionV1[] = [];
  readonly eventIds = new Set<string>();
  /** The delivery each event in `events` came with, same index: a refused event is dead-lettered with its bytes. */
  readonly eventDeliveries: Delivery[] = [];
  readonly letters: DeadLetter[] = [];
  /** Latest status per camera; older ones in the same batch are superseded. */
  readonly statuses = new Map<string, StatusEntry>();
  readonly deliveries: Delivery[] = [];
  /** When the first delivery joined, for the flush interval. */
  openedAt = 0;

  get size(): number {
    return this.deliveries.length;
  }

  private join(delivery: Delivery): void {
    if (this.deliveries.length === 0) this.openedAt = Date.now();
    this.deliveries.push(delivery);
  }

  /** Returns false when the event was already in this batch. */
  addEvent(event: DetectionV1, delivery: Delivery): boolean {
    this.join(delivery);
    if (this.eventIds.has(event.event_id)) return false;
    this.eventIds.add(event.event_id);
    this.events.push(event);
    this.eventDeliveries.push(delivery);
    return true;
  }

  addDeadLetter(letter: DeadLetter, delivery: Delivery): void {
    this.join(delivery);
    this.letters.push(letter);
  }

  addStatus(status: StatusV1, delivery: Delivery): void {
    this.join(delivery);
    this.statuses.set(cameraKey(status), { status, receivedAt: new Date(), delivery });
  }
}
