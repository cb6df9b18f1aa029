import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { SeamError } from '../../contract/errors.ts';
import { storeConfigFromUrl } from '../../store/config.ts';
import { configFromFlags } from '../config/config-file.ts';
import { DASHBOARD_DEFAULTS, DashboardConfigSchema, type DashboardConfig } from '../config/dashboard.ts';
import { integerFlag } from '../config/flags.ts';
import { logLevelOption } from '../config/log-level.ts';
import { createLogger } from '../process/logger.ts';
import { assertLoopback } from '../../plumbing/loopback.ts';
import { onShutdown } from '../process/shutdown.ts';
import { withListenFlags } from '../config/listen-flags.ts';

export const TOKEN_ENV = 'SEAMLINE_DASHBOARD_TOKEN';
const d = DASHBOARD_DEFAULTS;

/** The access token: from --token-file (first line), else $SEAMLINE_DASHBOARD_TOKEN; never from a flag, which `ps` would show. */
function readToken(c: DashboardConfig): string | undefined {
  let token: string | undefined;
  if (c.tokenFile) {
    try {
      token = readFileSync(c.tokenFile, 'utf8').split('\n')[0].trim();
    } catch (cause) {
      throw new SeamError('SEAM_ERR_CONFIG', `cannot read ${c.tokenFile}: ${(cause as Error).message}`, { field: 'tokenFile', cause });
    }
  } else {
    token = process.env[TOKEN_ENV]?.trim();
  }
  if (token !== undefined && token.length < 16) {
    throw new SeamError('SEAM_ERR_CONFIG', 'the access token must be at least 16 characters', {
      field: c.tokenFile ? 'tokenFile' : TOKEN_ENV,
    });
  }
  return token || undefined;
}

export function dashboardCommand(): Command {
  return new Command('dashboard')
    .description(
      'Serve the dashboard alone, reading a store: PostgreSQL (the distributed shape) or a DuckDB file no ' +
        'consumer has open (opened read-only; DuckDB lets one process write a file). Binding beyond loopback ' +
        `needs an access token, from --token-file or $${TOKEN_ENV}.`,
    )
    .option('-c, --config <file>', 'JSON config file; flags override it')
    .option('--store <url>', `postgres://user@host/db or a DuckDB file (default ${d.store})`)
    .option('--host <address>', `listen address (default ${d.host})`)
    .option('--port <port>', `listen port (default ${d.port})`, integerFlag)
    .option('--evidence-dir <dir>', "the images' folder, when the consumer was given --evidence-dir (default: the store's own)")
    .option('--token-file <file>', `access token, required beyond loopback (or $${TOKEN_ENV})`)
    .option('--alerts <file>', "an alerts config: its shifts are the page's shift ranges (or a shifts section in --config)")
    .addOption(logLevelOption())
    .action(async (flags: Record<string, unknown> & { config?: string }) => {
      let token: string | undefined;
      const config = configFromFlags<DashboardConfig>(DashboardConfigSchema, DASHBOARD_DEFAULTS, flags, (c) => {
        token = readToken(c);
        if (!token) assertLoopback(c.host, 'host');
      });
      await runDashboard(config, token);
    });
}

async function runDashboard(config: DashboardConfig, token: string | undefined): Promise<void> {
  // Loaded when it runs, not for --help or a flag error.
  const [{ startDashboard }, { openStoreWhenReachable }, { createStore, createEvidenceStore }, { calendarOfConfig, dashboardShifts }] =
    await Promise.all([
      import('../../dashboard/server.ts'),
      import('../../store/open-when-reachable.ts'),
      import('../../store/registry/registry.ts'),
      import('../services/dashboard-shifts.ts'),
    ]);
  // Read before anything opens: a bad shift or alerts file stops the start with its field named.
  const { calendar, partClass } = calendarOfConfig(config);
  const logger = createLogger(config.logLevel);
  const storeConfig = storeConfigFromUrl(config.store);
  const store = await createStore({ ...storeConfig, readOnly: true });
  await openStoreWhenReachable(store, { logger });
  if (!store.capabilities.panels) {
    await store.close();
    throw new SeamError('SEAM_ERR_CONFIG', `${store.name} keeps no rollups for the panels; use PostgreSQL or DuckDB`, { field: 'store' });
  }
  // Read-only: the consumer writes and prunes the images; this process only shows them.
  const evidence = (await createEvidenceStore(storeConfig, { dir: config.evidenceDir, readOnly: true, logger })) ?? undefined;
  await evidence?.open().catch(async (err) => {
    await store.close();
    throw err;
  });
  const dashboard = await withListenFlags({ port: '--port', host: '--host' }, () =>
    startDashboard({
      reader: store,
      host: config.host,
      port: config.port,
      token,
      logger: logger.child({ box: 'dashboard' }),
      evidence,
      shifts: dashboardShifts(calendar, store, { evidence, partClass }),
    }),
  ).catch(async (err) => {
    await evidence?.close();
    await store.close();
    throw err;
  });
  onShutdown(logger, async () => {
    await dashboard.close();
    await evidence?.close();
    await store.close();
  });
  // Announced only once a signal stops it cleanly (before, SIGINT would kill the process mid-start).
  logger.info({ store: store.name, dashboard: dashboard.url, token: token ? 'required' : 'none (loopback)' }, 'dashboard running');
  process.stdout.write(`dashboard  ${dashboard.url}${token ? '  (open /?token=<your token> once)' : ''}\n`);
}
