import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { SeamError } from '../../contract/index.ts';
import { killWithUs } from '../../plumbing/children.ts';
import type { RunningBroker } from '../../broker/embedded.ts';
import { freePort } from './free-port.ts';
import { scratchDir } from '../../plumbing/scratch-dirs.ts';

export interface MosquittoOptions {
  /** Fixed port; by default a free loopback port. Kept across restart() so clients can reconnect. */
  port?: number;
  /** Extra lines appended to the generated mosquitto.conf (TLS, password_file, acl_file...). */
  extraConfig?: string[];
  /** Persist sessions and in-flight messages across restart() (default true). */
  persistence?: boolean;
  /** Replaces the default `listener <port> 127.0.0.1` line, e.g. for a TLS listener. */
  listener?: string;
  /** Log connections and subscriptions (not messages) to a file in its directory; read it with `log()`. */
  log?: boolean;
  /**
   * Seconds between persistence snapshots (default 0: only on a clean stop). What arrived since the last
   * snapshot is lost when the broker is SIGKILLed (`kill()`), acknowledged or not.
   */
  autosaveInterval?: number;
}

export interface RunningMosquitto extends RunningBroker {
  dir: string;
  /** Stops the broker (SIGTERM, so it writes its persistence file) without removing its directory. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same persistence directory. */
  start(): Promise<void>;
  /** SIGKILL, as a crash or a power cut would: whatever arrived since the last snapshot is gone. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  /** What the broker logged so far (empty unless started with `log: true`). */
  log(): string;
}

export function mosquittoPath(): string | undefined {
  for (const candidate of ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto']) {
    if (spawnSync(candidate, ['-h']).error === undefined) return candidate;
  }
  const which = spawnSync('sh', ['-c', 'command -v mosquitto']);
  const found = which.stdout?.toString().trim();
  return found ? found : undefined;
}

/**
 * Started as root, Mosquitto drops to the `mosquitto` user and then cannot write its persistence file
 * into our root-owned 0700 temp dir: restarts would silently lose every session. Hand the dir to that
 * user when it exists; otherwise tell Mosquitto to stay root.
 */
function persistenceOwner(dir: string): string[] {
  if (process.getuid?.() !== 0) return [];
  const id = spawnSync('id', ['-u', 'mosquitto']);
  const uid = Number(id.stdout?.toString().trim());
  if (id.status === 0 && Number.isInteger(uid)) {
    const gid = Number(spawnSync('id', ['-g', 'mosquitto']).stdout?.toString().trim());
    chownSync(dir, uid, Number.isInteger(gid) ? gid : uid);
    return [];
  }
  return ['user root'];
}

/**
 * Files a test hands Mosquitto (password file, ACL, certificates) must be readable by the user it drops to
 * when started as root; gives `path` (recursively) to that user when it exists.
 */
export function readableByMosquitto(path: string): void {
  if (process.getuid?.() !== 0) return;
  const uid = Number(spawnSync('id', ['-u', 'mosquitto']).stdout?.toString().trim());
  const gid = Number(spawnSync('id', ['-g', 'mosquitto']).stdout?.toString().trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return;
  spawnSync('chown', ['-R', `${uid}:${gid}`, path]);
}

async function waitForPort(port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new SeamError('SEAM_ERR_BROKER_UNAVAILABLE', `mosquitto did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Starts a real Mosquitto 2 (MQTT 5, shared subscriptions) on loopback with its own temp directory.
 * Used by tests, bench and chaos; production runs its own broker.
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<RunningMosquitto> {
  const binary = mosquittoPath();
  if (!binary) {
    throw new SeamError('SEAM_ERR_CONFIG', 'mosquitto is not installed (Debian: apt-get install mosquitto)', {
      field: 'mosquitto',
    });
  }
  const dir = scratchDir('seamline-mosquitto-');
  const port = options.port ?? (await freePort());
  const conf = join(dir, 'mosquitto.conf');
  const persistence = options.persistence ?? true;
  writeFileSync(
    conf,
    [
      options.listener ?? `listener ${port} 127.0.0.1`,
      options.listener ? '' : 'allow_anonymous true',
      `persistence ${persistence}`,
      `persistence_location ${dir}/`,
      `autosave_interval ${options.autosaveInterval ?? 0}`,
      'max_inflight_messages 0',
      'max_queued_messages 0',
      'max_queued_bytes 0',
      'log_dest none',
      ...(options.log
        ? [
            `log_dest file ${join(dir, 'mosquitto.log')}`,
            'log_type notice',
            'log_type subscribe',
            'log_type unsubscribe',
            'log_type error',
            'log_type warning',
          ]
        : []),
      ...persistenceOwner(dir),
      ...(options.extraConfig ?? []),
    ].join('\n') + '\n',
  );
  let child: ChildProcess | undefined;

  const start = async () => {
    child = killWithUs(spawn(binary, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] }));
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    const exited = new Promise<never>((_, reject) =>
      child!.once('exit', (code) =>
        reject(new SeamError('SEAM_ERR_BROKER_UNAVAILABLE', `mosquitto exited with ${code}: ${stderr.trim()}`)),
      ),
    );
    await Promise.race([waitForPort(port, 10_000), exited]);
  };
  const stopWith = async (signal: NodeJS.Signals) => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    c.removeAllListeners('exit');
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
    });
  };
  const stop = () => stopWith('SIGTERM');

  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    dir,
    protocolVersions: [4, 5],
    start,
    stop,
    kill: () => stopWith('SIGKILL'),
    async restart() {
      await stop();
      await start();
    },
    log: () => (existsSync(join(dir, 'mosquitto.log')) ? readFileSync(join(dir, 'mosquitto.log'), 'utf8') : ''),
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
