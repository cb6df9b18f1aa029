import { Command } from 'commander';
import { exportGrafana } from '../../alerting/grafana/export.ts';
import { SeamError } from '../../contract/index.ts';
import { alertsConfigFor } from '../services/alerting-service.ts';
import { choiceOption } from '../config/flags.ts';

export function grafanaCommand(): Command {
  const grafana = new Command('grafana').description('Grafana 11 provisioning files (docs/alerting.md).');
  grafana.addCommand(
    new Command('export')
      .description(
        'Write the provisioning tree: datasource, dashboard provider and dashboard JSON, alert rules, contact points, ' +
          'notification policy and mute timings derived from the shift calendar.',
      )
      .addOption(choiceOption('--store <kind>', 'the store Grafana reads', ['postgres', 'influxdb']).makeOptionMandatory())
      .requiredOption('--out <dir>', 'directory to write (provisioning/ and dashboards/ under it)')
      .option('-c, --config <file>', 'alerts config file (default: the built-in rules of npm start)')
      .option('--url <url>', 'datasource URL: host:5432 for postgres (default localhost:5432), http://host:8086 for influxdb')
      .option('--database <name>', 'database (default seamline)')
      .option(
        '--user <name>',
        'database user Grafana connects as (default grafana); the password comes from $SEAMLINE_GRAFANA_DB_PASSWORD in Grafana',
      )
      .option('--schema <name>', 'postgres schema of the tables (default public)')
      .option('--dashboards-path <dir>', 'where Grafana reads the dashboard JSON from (default /var/lib/grafana/dashboards/seamline)')
      .action(
        (flags: {
          store: string;
          out: string;
          config?: string;
          url?: string;
          database?: string;
          user?: string;
          schema?: string;
          dashboardsPath?: string;
        }) => {
          if (flags.store !== 'postgres' && flags.store !== 'influxdb') {
            throw new SeamError('SEAM_ERR_CONFIG', `--store ${flags.store} is not allowed: use postgres or influxdb`, { field: 'store' });
          }
          const config = alertsConfigFor(flags.config ?? 'default')!;
          const written = exportGrafana(config, flags.out, {
            target: {
              store: flags.store,
              url: flags.url ?? (flags.store === 'postgres' ? 'localhost:5432' : 'http://localhost:8086'),
              database: flags.database ?? 'seamline',
              user: flags.user ?? 'grafana',
              schema: flags.schema,
            },
            dashboardsPath: flags.dashboardsPath,
          });
          for (const path of written) process.stdout.write(`${flags.out}/${path}\n`);
        },
      ),
  );
  for (const sub of grafana.commands) sub.exitOverride().configureOutput({ outputError: () => {} });
  return grafana;
}
