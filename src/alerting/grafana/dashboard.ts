import { PanelBuilder as BarChartPanel } from '@grafana/grafana-foundation-sdk/barchart';
import { DashboardBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import type { PanelQuery } from './queries.ts';
import { RawQueryBuilder } from './raw-query.ts';

export const DASHBOARD_UID = 'seamline-floor';

/** The operators' dashboard: the panels of docs/dashboard.md, built with Grafana's own dashboard builders. */
export function buildDashboard(panels: PanelQuery[], datasource: { type: string; uid: string }): Dashboard {
  const board = new DashboardBuilder('Seamline — floor')
    .uid(DASHBOARD_UID)
    .tags(['seamline'])
    .refresh('10s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .readonly();
  panels.forEach((p, i) => {
    const panel = p.kind === 'timeseries' ? new TimeseriesPanel() : p.kind === 'barchart' ? new BarChartPanel() : new TablePanel();
    panel
      .id(i + 1)
      .title(p.title)
      .description(p.description)
      .datasource(datasource)
      .withTarget(new RawQueryBuilder(datasource, 'A', p.query, p.format))
      .gridPos({
        h: 8,
        w: p.kind === 'timeseries' && i === 0 ? 24 : 12,
        x: i === 0 ? 0 : ((i - 1) % 2) * 12,
        y: i === 0 ? 0 : 8 + Math.floor((i - 1) / 2) * 8,
      });
    if (p.unit) panel.unit(p.unit);
    board.withPanel(panel);
  });
  return board.build();
}
