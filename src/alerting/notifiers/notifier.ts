import type { Logger } from 'pino';
import type { ReceiverInput } from '../config/schema.ts';
import type { HandoverNotice } from '../handover/notice.ts';
import type { Notification } from '../lifecycle/notification.ts';

/** What the outbox holds and a notifier sends: an alert notification, or a shift's handover notice. */
export type Outgoing = Notification | HandoverNotice;

/** A failed send. `retryable` false means the receiver refused the body (a 4xx): retrying cannot help. */
export class NotifyError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** Sends one notification or handover notice; resolves when the receiver accepted it, throws NotifyError otherwise. */
export interface Notifier {
  readonly name: string;
  send(message: Outgoing): Promise<void>;
}

/** A notifier type, one file each in this folder, registered by `type` in index.ts. */
export interface NotifierType {
  readonly type: string;
  readonly needsUrl: boolean;
  create(receiver: ReceiverInput, logger: Logger): Notifier;
}
