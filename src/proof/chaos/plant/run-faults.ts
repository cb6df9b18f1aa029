import type { InjectedFault } from './attribution.ts';
import { inject, type Plant } from './faults.ts';
import type { MemorySampler } from './memory.ts';
import type { PlannedFault } from './schedule.ts';
import { storedPerCamera } from './start-plant.ts';
import type { WebhookReceiver } from './webhook.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every ~10 s: memory of every process, and one progress line. Stops when `stop()` is called. */
function ticker(plant: Plant, sampler: MemorySampler, hook: WebhookReceiver, runStart: number, progress: (line: string) => void) {
  let stopped = false;
  let current = 'no fault';
  let faults = 0;
  let lastStored = -1;
  let lastAt = Date.now();
  const loop = (async () => {
    while (!stopped) {
      sampler.sample();
      const stored = [...(await storedPerCamera(plant.postgres.url)).values()].reduce((a, b) => a + b, 0);
      const now = Date.now();
      const rate = lastStored >= 0 && stored >= lastStored ? Math.round(((stored - lastStored) * 1000) / (now - lastAt)) : 0;
      const latest = Math.max(0, ...sampler.series.map((s) => s.samples.at(-1)?.[0] ?? 0));
      const rss = sampler.series
        .filter((s) => s.samples.at(-1)?.[0] === latest)
        .map((s) => `${s.name} ${Math.round(s.samples.at(-1)![1])}`);
      progress(
        `t=${Math.round((now - runStart) / 1000)} s: stored ${stored || '(store down)'}${lastStored >= 0 ? ` (${rate}/s)` : ''}, ${faults} faults, ` +
          `${hook.fired.length} alerts fired; ${current}; RSS MB: ${rss.slice(-10).join(', ')}`,
      );
      if (stored) [lastStored, lastAt] = [stored, now];
      for (let i = 0; i < 100 && !stopped; i++) await sleep(100);
    }
  })();
  return {
    fault(what: string | undefined) {
      current = what ?? 'no fault';
      if (what) faults++;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * The run itself: the faults of the plan one after the other at their times, memory and progress every ~10 s,
 * until `runSeconds` have passed since `runStart`. Resolves with the faults as injected.
 */
export async function runFaults(
  plant: Plant,
  plan: PlannedFault[],
  runStart: number,
  runSeconds: number,
  o: { sampler: MemorySampler; hook: WebhookReceiver; progress: (line: string) => void },
): Promise<InjectedFault[]> {
  const tick = ticker(plant, o.sampler, o.hook, runStart, o.progress);
  const done: InjectedFault[] = [];
  try {
    for (const f of plan) {
      const wait = runStart + f.at_s * 1000 - Date.now();
      if (wait > 0) await sleep(wait);
      tick.fault(`${f.kind} (target ${f.target}) since ${f.at_s} s`);
      o.progress(`fault: ${f.kind} on target ${f.target} at ${f.at_s} s`);
      const injected = await inject(plant, f, runStart);
      done.push(injected);
      tick.fault(undefined);
      o.progress(`fault over: ${injected.kind} on ${injected.target}, ${injected.start_s}-${injected.end_s} s`);
    }
    const rest = runStart + runSeconds * 1000 - Date.now();
    if (rest > 0) await sleep(rest);
  } finally {
    await tick.stop();
  }
  o.sampler.sample();
  return done;
}
