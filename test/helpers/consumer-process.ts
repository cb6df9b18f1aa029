export { spawnConsumerProcess as spawnConsumer, type ConsumerProcess } from '../../src/proof/chaos/harness/consumer-process.ts';

/** Reads one counter from a Prometheus text endpoint. */
export async function scrape(url: string, metric: string): Promise<number> {
  const text = await fetch(url).then((r) => r.text());
  const line = text.split('\n').find((l) => l.startsWith(`${metric} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}
