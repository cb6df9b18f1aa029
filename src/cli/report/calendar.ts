/**
 * The shift calendar a command reads, from its files: `--alerts FILE` (the alerting config's shifts) or
 * `--config FILE` (a start config: its `shifts` and `daysOff`, else the alerts it names as `seamline start` reads
 * them: "default" the built-in rules, "off" none, else a file). The choice between them is the one rule of alerting/shifts/calendar-source.ts.
 */
import { readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { loadAlertsConfig, type AlertsConfig } from '../../alerting/alerts-config.ts';
import type { ShiftCalendar } from '../../alerting/config/shift-calendar.ts';
import type { ShiftsSection } from '../../alerting/config/shift-section.ts';
import { requireShiftCalendar, type CalendarSources } from '../../alerting/shifts/calendar-source.ts';
import { assertValid, compile, isSeamError, SeamError } from '../../contract/index.ts';
import { alertsConfigFor } from '../services/alerting-service.ts';
import { START_DEFAULTS, StartConfigSchema } from '../config/start.ts';

/** The calendar, and the part class the alerts config's handover names (defects per part), if any. */
export interface ShiftSettings {
  calendar: ShiftCalendar;
  partClass?: string;
}

export interface CalendarFiles {
  /** An alerts config file. */
  alerts?: string;
  /** A start config file. */
  config?: string;
}

/** What the calendar needs of a start config; the rest of the file is the start command's to check. */
const StartShiftsSchema = Type.Object(
  {
    shifts: StartConfigSchema.properties.shifts,
    daysOff: StartConfigSchema.properties.daysOff,
    alerts: Type.Optional(StartConfigSchema.properties.alerts),
  },
  { additionalProperties: true },
);
const validateStartShifts = compile(StartShiftsSchema);

function startSources(path: string): CalendarSources & { alerts?: AlertsConfig } {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new SeamError('SEAM_ERR_CONFIG', `cannot read config file ${path}: ${(cause as Error).message}`, { field: 'config', cause });
  }
  try {
    assertValid(validateStartShifts, value, `config file ${path}`);
  } catch (err) {
    if (isSeamError(err)) throw new SeamError('SEAM_ERR_CONFIG', err.message, { field: err.field, cause: err });
    throw err;
  }
  const section = value as ShiftsSection & { alerts?: string };
  // The alerts `seamline start` would run with this file (a path from the working directory, "default" when absent),
  // and the choice between its shifts and the file's own made as start makes it: the page and the report agree.
  const choice = section.alerts ?? START_DEFAULTS.alerts;
  return { section, alerts: alertsConfigFor(choice), builtInAlerts: choice === 'default' };
}

/** The calendar the files name; SEAM_ERR_CONFIG when they name none, or none is given. */
export function shiftSettingsFromFiles(files: CalendarFiles): ShiftSettings {
  if (!files.alerts && !files.config) {
    throw new SeamError(
      'SEAM_ERR_CONFIG',
      'no shift calendar: give --alerts FILE (an alerts config with shifts) or --config FILE (a start config)',
      {
        field: 'alerts',
      },
    );
  }
  const sources = files.alerts ? { alerts: loadAlertsConfig(files.alerts) } : startSources(files.config!);
  const partClass = sources.alerts?.handover?.partClass;
  return { calendar: requireShiftCalendar(sources), ...(partClass ? { partClass } : {}) };
}
