import { Command } from 'commander';
import { SeamError } from '../../contract/errors.ts';
import { redactUrl } from '../../plumbing/redact.ts';
import type { DeadLetterCount, DeadLetterQuery, DeadLetterReadout, DeadLetterRecord } from '../../store/dead-letter-reader.ts';
import type { StoreConfig } from '../../store/config.ts';
import { configFromFlags } from '../config/config-file.ts';
import type { ReplaySummary } from '../services/dead-letter-replay.ts';
import {
  DEAD_LETTER_CODES,
  DeadLettersListConfigSchema,
  DeadLettersReplayConfigSchema,
  LIST_DEFAULTS,
  REPLAY_DEFAULTS,
  selection,
  type DeadLettersListConfig,
  type DeadLettersReplayConfig,
} from '../config/dead-letters.ts';
import { choiceOption, integerFlag, numberFlag } from '../config/flags.ts';
import { PASSWORD_ENV, passwordFromEnv, readTlsFiles, type TlsFiles } from '../config/tls-files.ts';

const out = (line: string) => process.stdout.write(`${line}\n`);
/** Lines of skipped or failed letters a human run prints before it only counts them. */
const SHOWN = 20;
const REPLAY_CAVEAT =
  'A message that is still poison is dead-lettered again, as the same letter (one per topic and bytes: nothing is ' +
  'added); an event stored meanwhile stays stored once (writes are ' +
  'idempotent by event_id). Dead letters are not deleted: the table is the record (docs/consumer.md#dead-letters).';

/** The flags both subcommands select with. */
function withFilters(command: Command, store: string, limit: string): Command {
  return command
    .option('-c, --config <file>', 'JSON config file; flags override it')
    .option(
      '--store <url>',
      `DuckDB file (no consumer may have it open), postgres://, influxdb+http:// or victoriametrics+http:// (default ${store})`,
    )
    .option('--since <when>', 'received at or after: a duration back from now (30m, 1h, 7d) or an ISO time')
    .option('--until <when>', 'received before: a duration back from now or an ISO time')
    .addOption(choiceOption('--code <code>', 'only this code (docs/errors.md)', DEAD_LETTER_CODES))
    .option('--topic-prefix <text>', 'only topics that start with this, e.g. vision/eu/plant-1/')
    .option('--limit <n>', `the newest n that match (default ${limit})`, integerFlag);
}

/** Opens the store's dead-letter reader, reads, and lets the store go before anything else happens. */
async function readSelection(store: StoreConfig, query: DeadLetterQuery): Promise<DeadLetterReadout> {
  // The stores and the replay publisher are loaded when a subcommand runs, not for --help or a flag error.
  const { createDeadLetterReader } = await import('../../store/registry/registry.ts');
  const reader = await createDeadLetterReader(store);
  await reader.open();
  try {
    return await reader.readDeadLetters(query);
  } finally {
    await reader.close();
  }
}

const shorten = (text: string, max = 100) => (text.length > max ? `${text.slice(0, max - 3)}...` : text);
const human = (l: DeadLetterRecord) => `${l.receivedAt.toISOString()}  ${l.code.padEnd(31)}  ${l.topic}  ${l.payload.length} B`;

function printLetters(letters: DeadLetterRecord[], c: DeadLettersListConfig, more: boolean): void {
  for (const l of letters) {
    if (c.json) {
      const line = { received_at: l.receivedAt.toISOString(), code: l.code, topic: l.topic, bytes: l.payload.length, reason: l.reason };
      out(JSON.stringify(c.payload ? { ...line, payload_base64: l.payload.toString('base64') } : line));
    } else {
      out(`${human(l)}  ${shorten(l.reason)}`);
    }
  }
  const note = more
    ? `the newest ${letters.length} dead letter(s) shown; more match (--limit, --since and --until choose others)`
    : undefined;
  if (c.json) {
    if (note) process.stderr.write(`${note}\n`);
    return;
  }
  out(note ?? (letters.length === 0 ? 'no dead letters match' : `${letters.length} dead letter(s), newest first`));
}

function printCounts(counts: DeadLetterCount[], why: string, json: boolean): void {
  for (const r of counts) out(json ? JSON.stringify(r) : `${r.code.padEnd(31)}  ${String(r.count).padStart(8)}  ${r.bytes} B`);
  if (!json && counts.length === 0) out('no dead letters match');
  (json ? process.stderr : process.stdout).write(`${why}\n`);
}

function printSummary(s: ReplaySummary, c: DeadLettersReplayConfig): void {
  if (c.json) {
    const failures = s.failures.map((f) => ({ received_at: f.letter.receivedAt.toISOString(), topic: f.letter.topic, reason: f.reason }));
    out(
      JSON.stringify({
        dry_run: s.dryRun,
        selected: s.selected,
        replayed: s.replayed,
        skipped: s.skipped,
        failed: s.failed,
        skipped_by_reason: Object.fromEntries(s.skips),
        failures,
      }),
    );
    return;
  }
  for (const f of s.failures.slice(0, SHOWN)) out(`failed  ${human(f.letter)}: ${f.reason}`);
  for (const [reason, n] of s.skips) out(`skipped ${n}: ${reason}`);
  if (s.dryRun) {
    out(`dry run: would replay ${s.replayed} and skip ${s.skipped} of ${s.selected} dead letter(s) selected; nothing was published`);
  } else {
    out(
      `replayed ${s.replayed}, skipped ${s.skipped}, failed ${s.failed} of ${s.selected} dead letter(s) selected, to ${redactUrl(c.url)} at QoS 1`,
    );
  }
  out(REPLAY_CAVEAT);
}

async function list(c: DeadLettersListConfig, store: StoreConfig, query: DeadLetterQuery): Promise<void> {
  // One more than asked for, to say whether more match.
  const readout = await readSelection(store, { ...query, limit: query.limit === undefined ? undefined : query.limit + 1 });
  if (!readout.payloads) return printCounts(readout.counts, readout.why, c.json);
  const more = query.limit !== undefined && readout.letters.length > query.limit;
  printLetters(more ? readout.letters.slice(0, query.limit) : readout.letters, c, more);
}

async function replay(c: DeadLettersReplayConfig, store: StoreConfig, query: DeadLetterQuery, tls: TlsFiles): Promise<void> {
  const readout = await readSelection(store, query);
  const { connectReplayPublisher, replayDeadLetters } = await import('../services/dead-letter-replay.ts');
  if (!readout.payloads) throw new SeamError('SEAM_ERR_CONFIG', readout.why, { field: 'store' });
  const publisher = c.dryRun
    ? undefined
    : await connectReplayPublisher({
        url: c.url,
        protocol: c.protocol,
        clientId: c.clientId,
        username: c.username,
        password: passwordFromEnv(),
        ...tls,
      });
  let shownSkips = 0;
  let summary: ReplaySummary;
  try {
    summary = await replayDeadLetters(readout.letters, {
      publisher,
      ratePerSecond: c.rate,
      includeStatus: c.includeStatus,
      onSkip: (l, reason) => void (!c.json && shownSkips++ < SHOWN && out(`skipped  ${human(l)}: ${reason}`)),
      onWouldReplay: (l) => void (!c.json && out(`would replay  ${human(l)}`)),
      onProgress: (p) =>
        process.stderr.write(
          `replay: ${p.replayed + p.skipped + p.failed} of ${p.selected} done (${p.replayed} replayed, ${p.skipped} skipped, ${p.failed} failed)\n`,
        ),
    });
  } finally {
    await publisher?.close();
  }
  printSummary(summary, c);
  if (summary.failed > 0) process.exitCode = 1;
}

export function deadLettersCommand(): Command {
  const command = new Command('dead-letters').description(
    'List and replay dead letters: poison and store-refused messages, kept with their raw bytes (docs/consumer.md#dead-letters).',
  );
  command.addCommand(
    withFilters(new Command('list'), LIST_DEFAULTS.store, String(LIST_DEFAULTS.limit))
      .summary('the dead letters, newest first (VictoriaMetrics: a count per code)')
      .description(
        'Newest first, one line each (received_at, code, topic, bytes, reason) or NDJSON with --json. Reads the store ' +
          'only; a DuckDB file must not be open in a consumer. VictoriaMetrics keeps counts per code only, and says so.',
      )
      .option('--json', 'NDJSON on stdout, one dead letter a line')
      .option('--payload', 'with --json: also payload_base64, the raw bytes')
      .action(async (flags: Record<string, unknown> & { config?: string }) => {
        let picked: ReturnType<typeof selection> | undefined;
        const c = configFromFlags<DeadLettersListConfig>(DeadLettersListConfigSchema, LIST_DEFAULTS, flags, (v) => (picked = selection(v)));
        await list(c, picked!.store, picked!.query);
      }),
  );
  command.addCommand(
    withFilters(new Command('replay'), REPLAY_DEFAULTS.store, 'all')
      .summary('republish them, byte for byte, once the cause is fixed')
      .description(
        'Republish the selected dead letters, byte for byte, to their original topics at QoS 1, oldest first, each ' +
          'counted on its PUBACK; topics the consumer does not subscribe to, escaped topics and (by default) status ' +
          'messages are skipped with a reason. Deletes nothing. Exit 1 when a publish failed.',
      )
      .option('--url <url>', `broker, mqtt:// or mqtts:// (default ${REPLAY_DEFAULTS.url})`)
      .addOption(choiceOption('--protocol <version>', `MQTT version (default ${REPLAY_DEFAULTS.protocol})`, [5, 4]))
      .option('--client-id <id>', 'MQTT client id (default seamline-replay-<host>-<pid>)')
      .option('--username <name>', `MQTT user; the password is read from $${PASSWORD_ENV}`)
      .option('--ca <file>', 'CA certificate (PEM) for mqtts://')
      .option('--cert <file>', 'client certificate (PEM)')
      .option('--key <file>', 'client key (PEM)')
      .option('--rate <n>', `messages a second at most (default ${REPLAY_DEFAULTS.rate})`, numberFlag)
      .option('--dry-run', 'say what would be replayed and skipped; publish nothing, connect to no broker')
      .option('--include-status', 'also replay status messages (an old status overwrites the newer one the store holds)')
      .option('--json', 'one JSON summary on stdout')
      .action(async (flags: Record<string, unknown> & { config?: string }) => {
        let picked: ReturnType<typeof selection> | undefined;
        let tls: TlsFiles = {};
        const c = configFromFlags<DeadLettersReplayConfig>(DeadLettersReplayConfigSchema, REPLAY_DEFAULTS, flags, (v) => {
          picked = selection(v);
          tls = readTlsFiles(v);
        });
        await replay(c, picked!.store, picked!.query, tls);
      }),
  );
  // Usage errors of the subcommands go through the same coded refusal as every other command (program.ts).
  for (const sub of command.commands) sub.exitOverride().configureOutput({ outputError: () => {} });
  return command;
}
