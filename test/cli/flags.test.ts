import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildProgram, refusal } from '../../src/cli/program.ts';

const BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
/**
 * The refusal a command line gets, parsed in this process by the same program and error mapping as the CLI
 * (each spawn of the CLI costs seconds of start-up on a busy machine; a few below do spawn it).
 */
async function refusedWith(args: string[]): Promise<string> {
  try {
    await (await buildProgram(args)).parseAsync(args, { from: 'user' });
  } catch (err) {
    const outcome = refusal(err, args);
    if (outcome === undefined || typeof outcome === 'number') throw err;
    return `seamline: ${outcome.code}: ${outcome.message}`;
  }
  throw new Error(`${args.join(' ')} was accepted`);
}
const dir = mkdtempSync(join(tmpdir(), 'seamline-flags-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('every command has --help that names its flags', { timeout: 60_000 }, async () => {
  const program = await buildProgram();
  for (const [command, flag] of [
    ['start', '--cameras'],
    ['edge', '--fsync'],
    ['consumer', '--store'],
    ['detect', '--model'],
    ['bench', '--config'],
    ['chaos', '--config'],
  ]) {
    const help = program.commands.find((c) => c.name() === command)!.helpInformation();
    assert.ok(help.includes(flag), `${command} --help mentions ${flag}`);
  }
  const r = run('consumer', '--help');
  assert.equal(r.status, 0, 'the real CLI answers --help with exit 0');
  assert.match(r.stdout, /--session-expiry <s>/);
});

test('seamline --help lists every command on lines of at most 80 columns, the chaos scenarios left to chaos --help', {
  timeout: 30_000,
}, async () => {
  const program = await buildProgram();
  const top = program.helpInformation();
  assert.match(top, /start[\s\S]*edge[\s\S]*consumer[\s\S]*bench[\s\S]*chaos/);
  assert.deepEqual(
    top.split('\n').filter((l) => l.length > 80),
    [],
    'no line wider than 80 columns',
  );
  assert.doesNotMatch(top, /edge-kill/, 'the scenario list is not inside the command list');
  const chaos = program.commands.find((c) => c.name() === 'chaos')!;
  let text = '';
  chaos.configureOutput({ writeOut: (s) => (text += s) });
  chaos.outputHelp();
  assert.match(text, /Scenarios:[\s\S]*edge-kill[\s\S]*store-outage/);
  assert.deepEqual(
    text.split('\n').filter((l) => l.length > 80),
    [],
    'chaos --help wraps too',
  );
});

/**
 * [what, args, text the one error line must hold]. Every refusal is one coded line, exit 2: the flag as
 * typed, the reason, what is allowed — whether the value is not a number, out of range or not a choice.
 */
const refusals: [string, string[], RegExp][] = [
  [
    'a non-numeric port',
    ['start', '--http-port', 'eighty'],
    /--http-port eighty is not a whole number: use a whole number from 0 to 65535$/,
  ],
  ['a port out of range', ['start', '--mqtt-port', '70000'], /--mqtt-port 70000 is out of range: use a whole number from 0 to 65535$/],
  ['a fractional count', ['start', '--cameras', '2.5'], /--cameras 2\.5 is not a whole number: use a whole number from 0 to 200$/],
  ['a non-numeric rate', ['start', '--rate', 'fast'], /--rate fast is not a number: use a number above 0, at most 10000$/],
  ['an MQTT version that does not exist', ['edge', '--protocol', '6'], /--protocol 6 is not allowed: use 5 or 4$/],
  ['an MQTT version that is not a number', ['consumer', '--protocol', 'five'], /--protocol five is not allowed: use 5 or 4$/],
  ['an unknown fsync policy', ['edge', '--fsync', 'sometimes'], /--fsync sometimes is not allowed: use always, batch or never$/],
  ['an unknown log level', ['consumer', '--log-level', 'loud'], /--log-level loud is not allowed: use fatal, error, warn, info or debug$/],
  ['a bad region name', ['start', '--region', 'EU West'], /--region "EU West" must be 1\.\.64 characters of lowercase letters/],
  ['a dashboard on every interface', ['start', '--host', '0.0.0.0'], /--host 0\.0\.0\.0 would expose an unauthenticated listener/],
  [
    'a broker URL that is not MQTT',
    ['consumer', '--url', 'http://broker'],
    /--url http:\/\/broker must start with mqtt:\/\/ or mqtts:\/\/$/,
  ],
  [
    'an unknown store scheme',
    ['consumer', '--store', 'mongodb://x', '--metrics-port', '-1'],
    /--store mongodb:\/\/x mongodb:\/\/ names no store: use postgres:\/\//,
  ],
  ['a CA file that does not exist', ['edge', '--ca', join(dir, 'missing.pem')], /--ca \S+missing\.pem cannot be read: ENOENT/],
  [
    'several connections without a shared subscription',
    ['consumer', '--connections', '2', '--no-share'],
    /--connections 2 needs MQTT 5 shared subscriptions/,
  ],
  ['a missing config file', ['edge', '--config', '/nonexistent/seamline.json'], /cannot read config file \/nonexistent\/seamline\.json/],
  ['zero bench rounds', ['bench', 'consumer', '--rounds', '0'], /--rounds 0 is out of range: use a whole number from 1 to 100$/],
  [
    'a non-numeric bench size',
    ['bench', 'edge', '--events', 'lots'],
    /--events lots is not a whole number: use a whole number from 2 to 100000000$/,
  ],
  [
    'an unknown bench target',
    ['bench', 'toaster'],
    /target toaster is not allowed: use edge, consumer, inference, dashboard, evidence, start or all$/,
  ],
  [
    'an unknown chaos scenario',
    ['chaos', 'fire'],
    /scenario fire is not allowed: use edge-kill, broker-restart, poison, consumer-kill, store-outage, broker-crash, evidence-faults, partition, outbox-full or all$/,
  ],
  [
    'an unknown flag',
    ['start', '--camera', '3'],
    /unknown option '--camera' \(Did you mean --cameras\?\) \(seamline start --help lists the flags\)$/,
  ],
  [
    'a flag without its value',
    ['edge', '--max-bytes'],
    /option '--max-bytes <n>' argument missing \(seamline edge --help lists the flags\)$/,
  ],
  ['an unknown command', ['stat'], /unknown command 'stat' \(Did you mean start\?\)/],
  [
    'a --broker that is not mqtt://host:port',
    ['start', '--broker', 'broker:1883'],
    /--broker broker:1883 must be mqtt:\/\/host:port \(a broker that admits anonymous clients/,
  ],
];
for (const [what, args, message] of refusals) {
  test(`refuses ${what} with a coded message naming the flag as typed`, { timeout: 30_000 }, async () => {
    const line = await refusedWith(args);
    assert.doesNotMatch(line, /\n/, 'one line');
    assert.match(line, /^seamline: SEAM_ERR_CONFIG: /);
    assert.match(line, message);
  });
}

// The real CLI, for what only a process shows: the exit code, and nothing on stderr but the one line.
for (const args of [
  ['start', '--http-port', 'eighty'],
  ['edge', '--protocol', '6'],
  ['bench', 'toaster'],
  ['start', '--camera', '3'],
  ['start', '--host', '0.0.0.0'],
]) {
  test(`seamline ${args.join(' ')} prints exactly its coded line to stderr and exits 2`, { timeout: 30_000 }, async () => {
    const r = run(...args);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `${await refusedWith(args)}\n`);
  });
}

/** [command, config file contents, the error naming the file and key] */
const fileRefusals: [string[], object, RegExp][] = [
  [['start'], { cameraz: 3 }, /config file \S+: cameraz is not a field of seamline start config: use host, mqttPort/],
  [['start'], { httpPort: 'eighty' }, /config file \S+: httpPort "eighty" is not a whole number: use a whole number from 0 to 65535$/],
  [['edge'], { protocol: 6 }, /config file \S+: protocol 6 is not allowed: use 5 or 4$/],
  [['start'], { broker: 'mqtts://broker:8883' }, /config file \S+: broker "mqtts:\/\/broker:8883" must be mqtt:\/\/host:port/],
  [['consumer'], { metricsHost: '0.0.0.0' }, /config file \S+: metricsHost "0\.0\.0\.0" would expose an unauthenticated listener/],
  // bench and chaos read --config like every other command (README: every command that takes flags takes it).
  [['bench', 'consumer'], { rounds: 0 }, /config file \S+: rounds 0 is out of range: use a whole number from 1 to 100$/],
  [['chaos', 'poison'], { json: 'yes' }, /config file \S+: json "yes" is not true or false: use true or false$/],
];
for (const [command, contents, message] of fileRefusals) {
  test(`${command[0]} refuses ${JSON.stringify(contents)} in its config file, naming the file and key`, { timeout: 30_000 }, async () => {
    const file = join(dir, `${command[0]}-${Object.keys(contents)[0]}.json`);
    writeFileSync(file, JSON.stringify(contents));
    assert.match(await refusedWith([...command, '--config', file]), message);
  });
}

test('a flag wins over the config file, and an error names whichever one was used', { timeout: 30_000 }, async () => {
  const file = join(dir, 'both.json');
  writeFileSync(file, JSON.stringify({ mqttPort: 70000 }));
  assert.match(await refusedWith(['start', '--config', file, '--mqtt-port', '80000']), /--mqtt-port 80000 is out of range/);
  assert.match(await refusedWith(['start', '--config', file]), /config file \S+both\.json: mqttPort 70000 is out of range/);
});
