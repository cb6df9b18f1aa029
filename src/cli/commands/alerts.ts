import { Command } from 'commander';
import { loadAlertsConfig } from '../../alerting/alerts-config.ts';
import { SeamError } from '../../contract/index.ts';
import type { Dashboard } from '../../dashboard/server.ts';
import { storeConfigFromUrl } from '../../store/config.ts';
import { ALERTS_RUN_DEFAULTS, AlertsRunConfigSchema, type AlertsRunConfig } from '../config/alerts.ts';
import { configFromFlags } from '../config/config-file.ts';
import { integerFlag } from '../config/flags.ts';
import { withListenFlags } from '../config/listen-flags.ts';
import { logLevelOption } from '../config/log-level.ts';
import { createLogger } from '../process/logger.ts';
import { assertLoopback } from '../../plumbing/loopback.ts';
import type { MetricsServer } from '../process/metrics-server.ts';
import { onShutdown } from '../process/shutdown.ts';

const d = ALERTS_RUN_DEFAULTS;

export function alertsCommand(): Command {
  const alerts = new Command('alerts').description(
    'Alert rules over the store, shift calendar, durable state, one notifier at a time (docs/alerting.md).',
  );
  alerts.addCommand(
    new Command('run')
      .description(
        'Evaluate the rules of --config against --store and notify. Run several against one PostgreSQL: exactly one ' +
          'evaluates and notifies (advisory lock), another takes over when it dies.',
      )
      .requiredOption('-c, --config <file>', 'alerts config file (rules, shifts, receivers; docs/alerting.md)')
      .option('--store <url>', `postgres://... or a DuckDB file (default ${d.store})`)
      .option('--metrics-host <address>', `/metrics listen address (default ${d.metricsHost})`)
      .option('--metrics-port <port>', `/metrics port, -1 off (default ${d.metricsPort})`, integerFlag)
      .option('--dashboard-port <port>', 'also serve the dashboard with its alerts panel, -1 off (default -1)', integerFlag)
      .addOption(logLevelOption())
      .action(async (flags: Record<string, unknown> & { config: string }) => {
        const { config: file, ...rest } = flags;
        const run = configFromFlags<AlertsRunConfig>(AlertsRunConfigSchema, d, rest, (c) => assertLoopback(c.metricsHost, 'metricsHost'));
        await runAlerts(file, run);
      }),
  );
  alerts.addCommand(
    new Command('check')
      .description('Validate an alerts config file and print its rules and shifts; exit 2 naming the first bad field.')
      .requiredOption('-c, --config <file>', 'alerts config file')
      .action((flags: { config: string }) => {
        const c = loadAlertsConfig(flags.config);
        const out = process.stdout;
        out.write(`${flags.config}: ${c.rules.length} rule(s), ${c.calendar.names().length} shift(s), ${c.receivers.length} receiver(s)\n`);
        for (const r of c.rules)
          out.write(
            `  ${r.name.padEnd(22)} ${r.kind.kind.padEnd(15)} ${r.severity.padEnd(8)} shifts: ${r.shifts?.join(', ') ?? 'always'}\n`,
          );
        const now = Date.now();
        for (const name of c.calendar.names()) out.write(`  shift ${name}: ${c.calendar.isActive(now, [name]) ? 'on now' : 'off now'}\n`);
        if (c.handover) out.write(`  handover at the end of ${c.handover.shifts.join(', ')} to ${c.handover.receivers.join(', ')}\n`);
      }),
  );
  alerts.addCommand(
    new Command('test')
      .description('Send a test notification to every receiver of --config (or one, --receiver) and say which accepted it.')
      .requiredOption('-c, --config <file>', 'alerts config file')
      .option('--receiver <name>', 'only this receiver')
      .addOption(logLevelOption())
      .action(async (flags: { config: string; receiver?: string; logLevel?: string }) => {
        const c = loadAlertsConfig(flags.config);
        const chosen = c.receivers.filter((r) => flags.receiver === undefined || r.name === flags.receiver);
        if (chosen.length === 0) {
          throw new SeamError(
            'SEAM_ERR_CONFIG',
            `--receiver ${flags.receiver} names no receiver of ${flags.config}: use ${c.receivers.map((r) => r.name).join(', ')}`,
            {
              field: 'receiver',
            },
          );
        }
        const logger = createLogger(flags.logLevel ?? 'info');
        const [{ testNotification }, { NOTIFIER_TYPES }] = await Promise.all([
          import('../../alerting/test-notification.ts'),
          import('../../alerting/notifiers/index.ts'),
        ]);
        let failed: string | undefined;
        for (const r of chosen) {
          const n = testNotification(r.name, Date.now());
          try {
            await NOTIFIER_TYPES.get(r.type)!.create(r, logger).send(n);
            process.stdout.write(`${r.name}: delivered (id ${n.id})\n`);
          } catch (err) {
            failed ??= `receiver ${r.name}: ${(err as Error).message}`;
            process.stdout.write(`${r.name}: FAILED: ${(err as Error).message}\n`);
          }
        }
        if (failed) throw new SeamError('SEAM_ERR_NOTIFY_FAILED', failed, { field: 'receivers' });
      }),
  );
  // Usage errors of the subcommands go through the same coded refusal as every other command (program.ts).
  for (const sub of alerts.commands) sub.exitOverride().configureOutput({ outputError: () => {} });
  return alerts;
}

async function runAlerts(file: string, run: AlertsRunConfig): Promise<void> {
  const config = loadAlertsConfig(file);
  const logger = createLogger(run.logLevel);
  // The engine, the stores and the servers are loaded when it runs, not for --help or a flag error.
  const [{ createStore }, { openStoreWhenReachable }, { openAlerting }, { serveMetrics }, { startDashboard }, { alertRoutes, alertViews }] =
    await Promise.all([
      import('../../store/registry/registry.ts'),
      import('../../store/open-when-reachable.ts'),
      import('../services/alerting-service.ts'),
      import('../process/metrics-server.ts'),
      import('../../dashboard/server.ts'),
      import('../../alerting/http-routes.ts'),
    ]);
  const [{ dashboardShifts }, { createEvidenceStore }] = await Promise.all([
    import('../services/dashboard-shifts.ts'),
    import('../../store/registry/registry.ts'),
  ]);
  const store = await createStore(storeConfigFromUrl(run.store));
  await openStoreWhenReachable(store, { logger });
  // The handover notice's top defect images, read-only: the consumer writes and prunes them (docs/evidence.md).
  const evidence = config.handover
    ? ((await createEvidenceStore(storeConfigFromUrl(run.store), { readOnly: true, logger })) ?? undefined)
    : undefined;
  await evidence?.open();
  const alerting = await openAlerting(config, store, logger.child({ box: 'alerting' }), evidence);
  let metrics: MetricsServer | undefined;
  let dashboard: Dashboard | undefined;
  // A busy port stops the command with one SEAM_ERR_LISTEN line naming its flag, before the engine evaluates
  // or notifies anything, and with what was opened closed again.
  try {
    if (run.metricsPort >= 0) {
      metrics = await withListenFlags({ port: '--metrics-port', host: '--metrics-host' }, () =>
        serveMetrics([alerting.engine.metrics.registry], run.metricsHost, run.metricsPort),
      );
    }
    if (run.dashboardPort >= 0) {
      dashboard = await withListenFlags({ port: '--dashboard-port' }, () =>
        startDashboard({
          reader: store,
          port: run.dashboardPort,
          logger: logger.child({ box: 'dashboard' }),
          plugins: [alertRoutes(alerting.engine)],
          alerts: () => alertViews(alerting.engine.instances()),
          // The page's shift ranges and summary: this alerts config's calendar.
          shifts: dashboardShifts(config.calendar.names().length ? config.calendar : undefined, store, {
            partClass: config.handover?.partClass,
          }),
        }),
      );
    }
    if (dashboard) alerting.engine.linkDashboard(dashboard.url);
  } catch (err) {
    await metrics?.close();
    await alerting.close();
    await evidence?.close();
    await store.close();
    throw err;
  }
  alerting.start();
  onShutdown(logger, async () => {
    await alerting.close();
    await Promise.all([metrics?.close(), dashboard?.close(), evidence?.close()]);
    await store.close();
  });
  // Announced only once a signal stops it cleanly (before, SIGINT would kill the process mid-start).
  logger.info({ rules: config.rules.length, store: store.name, metrics: metrics?.url, dashboard: dashboard?.url }, 'alerting running');
}
