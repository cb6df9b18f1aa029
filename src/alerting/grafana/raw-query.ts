import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';

/**
 * The SDK has typed query builders for some datasources but none for PostgreSQL or InfluxDB, so this is the
 * one builder of our own: the raw-query models those two datasources store (rawSql for PostgreSQL, query
 * with rawQuery for InfluxQL), as a cog.Builder so panels and rules take it like any SDK query.
 */
export class RawQueryBuilder implements cog.Builder<cog.Dataquery> {
  constructor(
    private readonly datasource: DataSourceRef & { type: string; uid: string },
    private readonly refId: string,
    private readonly text: string,
    private readonly format: 'time_series' | 'table',
  ) {}

  build(): cog.Dataquery {
    const common = { refId: this.refId, datasource: this.datasource, _implementsDataqueryVariant() {} };
    if (this.datasource.type === 'influxdb')
      return { ...common, query: this.text, rawQuery: true, resultFormat: this.format } as cog.Dataquery;
    return { ...common, editorMode: 'code', rawQuery: true, rawSql: this.text, format: this.format } as cog.Dataquery;
  }
}
