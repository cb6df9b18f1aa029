/** What `grafana export` is told about the store Grafana will read. */
export interface GrafanaTarget {
  store: 'postgres' | 'influxdb';
  /** postgres: host:port; influxdb: http://host:8086. */
  url: string;
  database: string;
  user: string;
  /** PostgreSQL schema of the tables (public by default). */
  schema?: string;
}

export const DATASOURCE_UID: Record<GrafanaTarget['store'], string> = { postgres: 'seamline-postgres', influxdb: 'seamline-influxdb' };
export const DATASOURCE_TYPE: Record<GrafanaTarget['store'], string> = { postgres: 'grafana-postgresql-datasource', influxdb: 'influxdb' };

/**
 * provisioning/datasources/seamline.yaml. The password is not written: Grafana expands $SEAMLINE_GRAFANA_DB_PASSWORD
 * from its own environment when it loads the file.
 */
export function datasourceFile(t: GrafanaTarget) {
  const common = {
    name: `Seamline ${t.store}`,
    uid: DATASOURCE_UID[t.store],
    type: DATASOURCE_TYPE[t.store],
    access: 'proxy',
    orgId: 1,
    editable: false,
    url: t.url,
    user: t.user,
  };
  const source =
    t.store === 'postgres'
      ? {
          ...common,
          jsonData: { database: t.database, sslmode: 'disable', postgresVersion: 1500, timescaledb: false },
          secureJsonData: { password: '$SEAMLINE_GRAFANA_DB_PASSWORD' },
        }
      : { ...common, jsonData: { dbName: t.database, httpMode: 'POST' }, secureJsonData: { password: '$SEAMLINE_GRAFANA_DB_PASSWORD' } };
  return { apiVersion: 1, datasources: [source] };
}

/** provisioning/dashboards/seamline.yaml: where Grafana finds the dashboard JSON. */
export function dashboardProviderFile(path: string) {
  return {
    apiVersion: 1,
    providers: [
      { name: 'seamline', orgId: 1, folder: 'Seamline', type: 'file', disableDeletion: false, allowUiUpdates: false, options: { path } },
    ],
  };
}
