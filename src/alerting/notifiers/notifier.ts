import type { Logger } from 'pino';
import type { ReceiverInput } from '../config/schema.ts';
import type { Notification } from '../lifecycle/notification.ts';

/** A failed send. `retryable` false means the receiver refused the body (a 4xx): retrying cannot help. */
export class NotifyError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** Sends one notification; resolves when the receiver accepted it, throws NotifyError otherwise. */
export interface Notifier {
  readonly name: string;
  send(notification: Notification): Promise<void>;
}

/** A notifier type, one file each in this folder, registered by `type` in index.ts. */
export interface NotifierType {
  readonly type: string;
  readonly needsUrl: boolean;
  create(receiver: ReceiverInput, logger: Logger): Notifier;
}
