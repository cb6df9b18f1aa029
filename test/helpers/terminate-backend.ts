import pg from 'pg';

/**
 * Ends a PostgreSQL session as a killed process's would end, and waits until its backend has exited: only then
 * are its advisory locks released (pg_terminate_backend only signals the backend, and a loaded server takes a
 * moment to act on it).
 */
export async function terminateBackend(url: string, pid: number | undefined): Promise<void> {
  if (pid === undefined) throw new Error('no backend to terminate: the session holds no lock');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    for (let waited = 0; waited < 10_000; waited += 50) {
      const { rows } = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
      if (rows.length === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`backend ${pid} still there 10 s after pg_terminate_backend`);
  } finally {
    await admin.end();
  }
}
