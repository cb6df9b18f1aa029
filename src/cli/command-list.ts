import type { Command } from 'commander';

/**
 * Every `seamline` command as `seamline --help` lists it, and how to load it. Only the command being run is
 * imported (its boxes, their native modules and their schemas with it): `seamline --help`, a flag error or
 * `seamline detect --help` should answer in the time node takes to start, not after every box has loaded.
 */
export interface CommandEntry {
  name: string;
  /** What follows the name in the command list: `[options]`, arguments. */
  args: string;
  summary: string;
  load: () => Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'start',
    args: '[options]',
    summary: 'the whole pipeline in one process on embedded defaults (what npm start runs)',
    load: async () => (await import('./commands/start.ts')).startCommand(),
  },
  {
    name: 'edge',
    args: '[options]',
    summary: 'the edge bridge of one camera host: detector on frames, HTTP, NDJSON stdin or simulated input, durable outbox',
    load: async () => (await import('./commands/edge.ts')).edgeCommand(),
  },
  {
    name: 'consumer',
    args: '[options]',
    summary: 'ingest into a store through the shared subscription, PUBACK only after commit',
    load: async () => (await import('./commands/consumer.ts')).consumerCommand(),
  },
  {
    name: 'dashboard',
    args: '[options]',
    summary: 'the dashboard alone, read-only, over PostgreSQL or a DuckDB file',
    load: async () => (await import('./commands/dashboard.ts')).dashboardCommand(),
  },
  {
    name: 'dead-letters',
    args: '',
    summary: 'find the messages the consumer could not store, and replay them once the cause is fixed',
    load: async () => (await import('./commands/dead-letters.ts')).deadLettersCommand(),
  },
  {
    name: 'evidence',
    args: '',
    summary: 'the evidence images: export them as a YOLO training dataset',
    load: async () => (await import('./commands/evidence.ts')).evidenceCommand(),
  },
  {
    name: 'detect',
    args: '[options]',
    summary: 'run a detection model alone on images, a video or the synthetic scene; boxes as NDJSON',
    load: async () => (await import('./commands/detect.ts')).detectCommand(),
  },
  {
    name: 'alerts',
    args: '',
    summary: 'the alerting engine: run it, validate rules, send a test notification',
    load: async () => (await import('./commands/alerts.ts')).alertsCommand(),
  },
  {
    name: 'report',
    args: '',
    summary: 'reports from the store: report shift, one shift per camera, line and plant as csv, json or md',
    load: async () => (await import('./commands/report.ts')).reportCommand(),
  },
  {
    name: 'grafana',
    args: '',
    summary: 'Grafana 11 as code: the provisioning tree for a Seamline store',
    load: async () => (await import('./commands/grafana.ts')).grafanaCommand(),
  },
  {
    name: 'bench',
    args: '[options] <target>',
    summary: 'measure a box on this machine (edge, consumer, inference, dashboard, evidence, start); --json for one JSON object',
    load: async () => (await import('./commands/bench.ts')).benchCommand(),
  },
  {
    name: 'chaos',
    args: '[options] <scenario>',
    summary: 'fault injection with real components (seamline chaos --help lists the scenarios)',
    load: async () => (await import('./commands/chaos.ts')).chaosCommand(),
  },
];
