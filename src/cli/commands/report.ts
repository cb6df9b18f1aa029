import { Command } from 'commander';
import type { ShiftPick } from '../../alerting/shifts/ranges.ts';
import { SeamError } from '../../contract/errors.ts';
import { storeConfigFromUrl } from '../../store/config.ts';
import { choiceOption } from '../config/flags.ts';
import { REPORT_FORMATS, type ReportFormat } from '../report/formats.ts';

const DEFAULT_STORE = './data/seamline.duckdb';

interface ShiftFlags {
  shift?: string;
  date?: string;
  last?: boolean;
  format: ReportFormat;
  store: string;
  evidenceDir?: string;
  alerts?: string;
  config?: string;
  partClass?: string;
}

/** --shift NAME --date YYYY-MM-DD, or --last (the default); both at once, or half of the first, is refused. */
function pickOf(f: ShiftFlags): ShiftPick {
  if (f.last && (f.shift || f.date))
    throw new SeamError('SEAM_ERR_CONFIG', '--last picks the shift: leave out --shift and --date', { field: 'last' });
  if (f.shift && !f.date)
    throw new SeamError('SEAM_ERR_CONFIG', '--shift needs --date YYYY-MM-DD (the local date the run starts on)', { field: 'date' });
  if (f.date && !f.shift) throw new SeamError('SEAM_ERR_CONFIG', '--date needs --shift NAME', { field: 'shift' });
  return f.shift && f.date ? { shift: f.shift, date: f.date } : 'last';
}

export function reportCommand(): Command {
  const report = new Command('report').description('Reports read from the store, for scripts, spreadsheets and the MES.');
  report.addCommand(
    new Command('shift')
      .description(
        'What happened on one run of a shift, per camera, line (site) and plant, each figure beside the previous shift ' +
          'and the same shift a week earlier (docs/shifts.md). The calendar comes from --alerts or --config.',
      )
      .option('--shift <name>', 'the shift, by name (with --date)')
      .option('--date <yyyy-mm-dd>', 'the local date the run starts on, in the shift’s time zone (with --shift)')
      .option('--last', 'the most recent run of any shift that has ended (the default)')
      .addOption(
        choiceOption(
          '--format <format>',
          'json (the summary object), csv (one row per camera, site and plant) or md',
          REPORT_FORMATS,
        ).default('md'),
      )
      .option('--store <url>', 'postgres://user@host/db or a DuckDB file no consumer has open', DEFAULT_STORE)
      .option('--evidence-dir <dir>', "the images' folder, when the consumer was given --evidence-dir (default: the store's own)")
      .option('--alerts <file>', 'an alerts config: its shifts and days off are the calendar')
      .option('-c, --config <file>', 'a seamline start config: its shifts section, else the alerts it names')
      .option('--part-class <class>', "the class that counts parts, for defects per part (default: the alerts config's handover.partClass)")
      .action(async (flags: ShiftFlags) => {
        process.stdout.write(await runShiftReport(flags));
      }),
  );
  return report;
}

async function runShiftReport(flags: ShiftFlags): Promise<string> {
  const pick = pickOf(flags);
  // Loaded when it runs, not for --help or a flag error.
  const [{ shiftSettingsFromFiles }, { resolveShift }, { summarizeShift }, { formatSummary }, { createStore, createEvidenceStore }] =
    await Promise.all([
      import('../report/calendar.ts'),
      import('../../alerting/shifts/ranges.ts'),
      import('../../alerting/shifts/summary.ts'),
      import('../report/formats.ts'),
      import('../../store/registry/registry.ts'),
    ]);
  const { calendar, partClass } = shiftSettingsFromFiles({ alerts: flags.alerts, config: flags.config });
  const run = resolveShift(calendar, pick, Date.now());
  const storeConfig = storeConfigFromUrl(flags.store);
  const store = await createStore({ ...storeConfig, readOnly: true });
  // Declared, not discovered: refused before anything is opened.
  const counts = store.capabilities.shiftCounts;
  if (!counts) {
    throw new SeamError('SEAM_ERR_CONFIG', `${store.name} keeps no rollups for a shift summary; use PostgreSQL or DuckDB`, {
      field: 'store',
    });
  }
  await store.open();
  try {
    const evidence = (await createEvidenceStore(storeConfig, { dir: flags.evidenceDir, readOnly: true })) ?? undefined;
    await evidence?.open();
    try {
      const part = flags.partClass ?? partClass;
      const summary = await summarizeShift(counts, calendar, run, { evidence, ...(part ? { partClass: part } : {}) });
      return formatSummary(summary, flags.format);
    } finally {
      await evidence?.close();
    }
  } finally {
    await store.close();
  }
}
