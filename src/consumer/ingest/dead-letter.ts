import { escapeUnstorable, type SeamError } from '../../contract/index.ts';
import { type DeadLetter, deadLetterId } from '../../store/store.ts';
import type { Delivery } from '../mqtt/subscriber-session.ts';

/** Longest reason kept: a store's message can quote a whole statement. */
const MAX_REASON = 2_000;

/**
 * The dead letter of one delivery: its raw bytes as they came, with the code and the reason. The text is
 * Seamline's own and is made storable here (a JSON parser's message can quote a NUL from the payload,
 * which PostgreSQL would refuse), so a dead letter never fails for what it says.
 */
export function deadLetterOf(delivery: Delivery, error: SeamError, receivedAt = new Date()): DeadLetter {
  const reason = error.message.length > MAX_REASON ? `${error.message.slice(0, MAX_REASON)}...` : error.message;
  return {
    id: deadLetterId(delivery.topic, delivery.payload),
    topic: escapeUnstorable(delivery.topic),
    payload: delivery.payload,
    code: error.code,
    reason: escapeUnstorable(reason),
    receivedAt,
  };
}

/** The last resort for a dead letter a store refused: only ASCII text left, the raw bytes unchanged. */
export function bareDeadLetter(letter: DeadLetter): DeadLetter {
  const ascii = (s: string) => s.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return { ...letter, topic: ascii(letter.topic), reason: ascii(letter.reason) };
}
