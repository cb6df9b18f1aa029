import { Command } from 'commander';
import { SeamError } from '../../../contract/index.ts';
import { exitOnSignals } from '../../../plumbing/children.ts';
import { JUDGED_AFTER_S } from './memory.ts';
import { FAULT_KINDS } from './schedule.ts';
import { runPlant, SLOPE_JUDGED_FROM_MIN, SLOPE_LIMIT, type PlantResult } from './plant.ts';

/** Text that is a number becomes one; anything else stays text, refused by name in the action. */
const numeric = (value: string): number | string => (value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value);

/** The result as a few lines for a person: counts, each fault with its alerts, memory per process. */
function summary(r: PlantResult): string {
  const lines = [
    `chaos plant: ${r.ok ? 'ok' : 'NOT ok'} (${r.minutes} min, seed ${r.seed}, ${r.cameras} cameras)`,
    `  produced ${r.produced}, stored ${r.stored}, lost ${r.lost}, duplicates ${r.duplicates}, seq repeats ${r.seq_repeats}, dead-lettered ${r.dead_lettered}`,
    `  faults (${r.faults.length}):`,
    ...r.faults.map(
      (f) =>
        `    ${String(f.start_s).padStart(6)}-${String(f.end_s).padEnd(6)} s ${f.kind.padEnd(15)} ${f.target.padEnd(11)} ` +
        `expects ${f.expected_alert ?? '-'}: ${f.alert_seen ? 'seen' : 'NOT SEEN'}; alerts: ${f.alerts.join('; ') || 'none'}`,
    ),
    `  unexplained alerts: ${r.unexplained_alerts.join('; ') || 'none'}`,
    `  memory (slope over the last half from ${JUDGED_AFTER_S / 60} min into each life, MB/min${r.slopes_judged ? `, limit ±${SLOPE_LIMIT}` : `, judged from ${SLOPE_JUDGED_FROM_MIN} min`}):`,
    ...r.memory.map(
      (m) =>
        `    ${`${m.name} (${m.pid})`.padEnd(26)} ${m.samples} samples, ${m.first_mb} -> ${m.last_mb} MB, peak ${m.peak_mb}, ` +
        `slope ${m.slope_mb_per_min ?? `- (not judged: ${m.not_judged})`}`,
    ),
    ...(r.unexpected_exits.length ? [`  unexpected exits: ${r.unexpected_exits.join(' | ')}`] : []),
  ];
  return lines.join('\n') + '\n';
}

/** `seamline chaos plant`: registered under `seamline chaos` as a command of its own (its flags are its own). */
export function chaosPlantCommand(): Command {
  return new Command('plant')
    .description(
      `The distributed shape for --minutes: 2 camera hosts (seamline edge --cameras, the bundled model on the synthetic ` +
        `conveyor), Mosquitto, 2 consumers on the shared subscription, PostgreSQL, the alert engine notifying a webhook ` +
        `on loopback, the dashboard; faults drawn at random (--seed) from ${FAULT_KINDS.join(', ')}. Reports produced, ` +
        `stored, lost, duplicates, each fault with the alerts it raised, unexplained alerts, and every process's memory; ` +
        `exits 1 unless all of it holds.`,
    )
    .option('--minutes <n>', 'length of the run once the plant is up, minutes; fractions allowed (default 10)', numeric)
    .option('--seed <n>', 'seed of the fault schedule (default 1)', numeric)
    .option('--json', 'print the result as one JSON object on the last line')
    .action(async (flags: { minutes?: number | string; seed?: number | string; json?: boolean }, cmd: Command) => {
      // `seamline chaos` has a --json of its own, which takes the flag wherever it stands on the line.
      const json = flags.json || cmd.parent?.opts().json === true;
      const minutes = flags.minutes ?? 10;
      const seed = flags.seed ?? 1;
      if (typeof minutes !== 'number' || !(minutes > 0) || minutes > 24 * 60) {
        throw new SeamError('SEAM_ERR_CONFIG', `--minutes ${minutes}: must be a number of minutes above 0, at most 1440`, {
          field: 'minutes',
        });
      }
      if (typeof seed !== 'number' || !Number.isInteger(seed)) {
        throw new SeamError('SEAM_ERR_CONFIG', `--seed ${seed}: must be a whole number`, { field: 'seed' });
      }
      exitOnSignals();
      const result = await runPlant({ minutes, seed }, (line) => process.stderr.write(`  ${line}\n`));
      process.stdout.write(summary(result));
      if (json) process.stdout.write(JSON.stringify(result) + '\n');
      process.exitCode = result.ok ? 0 : 1;
    });
}
