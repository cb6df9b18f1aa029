import { v7 as uuidv7 } from 'uuid';
import { NOTIFICATION_VERSION, type Notification } from './lifecycle/notification.ts';

/** What `seamline alerts test` sends: a well-formed notification marked `test`, so receivers can route it aside. */
export function testNotification(receiver: string, nowMs: number): Notification {
  const at = new Date(nowMs).toISOString();
  return {
    version: NOTIFICATION_VERSION,
    id: uuidv7(),
    receiver,
    status: 'firing',
    group_key: '{"alertname":"seamline-test"}',
    group_labels: { alertname: 'seamline-test' },
    created_at: at,
    test: true,
    alerts: [
      {
        transition_id: `seamline-test#${nowMs}`,
        status: 'firing',
        repeat: false,
        rule: 'seamline-test',
        severity: 'info',
        labels: { alertname: 'seamline-test', severity: 'info' },
        summary: 'test notification from seamline alerts test: no action needed',
        value: 0,
        starts_at: at,
        ends_at: null,
      },
    ],
  };
}
