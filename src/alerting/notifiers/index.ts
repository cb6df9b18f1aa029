import { logNotifier } from './log.ts';
import type { NotifierType } from './notifier.ts';
import { slackNotifier } from './slack.ts';
import { webhookNotifier } from './webhook.ts';

/** Notifier types by name; add a file in this folder and a line here to make one configurable. */
export const NOTIFIER_TYPES = new Map<string, NotifierType>([webhookNotifier, slackNotifier, logNotifier].map((n) => [n.type, n]));
