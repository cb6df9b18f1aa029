import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { version as duckdbApiVersion } from '@duckdb/node-api';

/** The machine a `seamline bench all` ran on, as its report shows it. */
export interface Machine {
  cores: number;
  cpu: string;
  memory_gib: number;
  os: string;
  node: string;
  /** The first line each program prints about its version; null when it is not installed here. */
  mosquitto: string | null;
  postgres: string | null;
  influxdb: string | null;
  victoria_metrics: string | null;
  duckdb: string;
  load_average: number[];
}

/** The first line mentioning a version that `program args` prints (on either stream), or null. */
function versionLine(program: string, args: string[]): string | null {
  if (program.includes('/') && !existsSync(program)) return null;
  const r = spawnSync(program, args, { encoding: 'utf8', timeout: 5_000 });
  if (r.error) return null;
  const line = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.split('\n').find((l) => /\d+\.\d+/.test(l));
  return line?.trim() ?? null;
}

/** An installed Debian package's version, or null. */
function packageVersion(name: string): string | null {
  const r = spawnSync('dpkg-query', ['-W', '-f', '$' + '{Version}', name], { encoding: 'utf8', timeout: 5_000 });
  return r.status === 0 && r.stdout ? `${name} ${r.stdout.trim()} (Debian package)` : null;
}

/** PostgreSQL's server binary, in Debian's versioned directory (the highest installed) or on PATH. */
function postgresBinary(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => `${root}/${v}/bin/postgres`).find((p) => existsSync(p));
  return found ?? 'postgres';
}

/** DuckDB's version as the bundled node-api reports it (this module is loaded by bench all only, which loads DuckDB anyway). */
function duckdbVersion(): string {
  try {
    return `DuckDB ${duckdbApiVersion()}`;
  } catch (cause) {
    return `unknown (${(cause as Error).message})`;
  }
}

export async function describeMachine(): Promise<Machine> {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    mosquitto: versionLine('mosquitto', ['-h']),
    postgres: versionLine(postgresBinary(), ['--version']),
    influxdb: versionLine('/usr/bin/influxd', ['version']),
    // Debian's build prints no version of its own: the package's.
    victoria_metrics: versionLine('/usr/bin/victoria-metrics', ['-version']) ?? packageVersion('victoria-metrics'),
    duckdb: duckdbVersion(),
    load_average: os.loadavg().map((n) => Math.round(n * 100) / 100),
  };
}
