/**
 * The throughput part of `seamline bench consumer`: a warm-up, the ceiling-paired rounds the ratio is the median
 * of, and the profiled run. Only the rounds count. The warm-up exists because the first ceiling of a fresh process
 * ran 31,500 messages/s against 44,000-53,000 in the rounds after it (the subscriber's and publisher's code not yet
 * compiled, the broker's buffers cold), which made round 1's ratio a measure of warming, not of the consumer. The
 * profile has its own run because sampling every millisecond slowed the consumer it sampled (0.83-0.85 profiled
 * against 0.88-1.11 unprofiled on the same quiet machine).
 */
import type { RunningConsumer } from '../../../consumer/consumer.ts';
import type { IngestStats } from '../../../consumer/ingest/ingest.ts';
import type { AvailableBroker } from '../../services/available-broker.ts';
import { ceiling, consumerRun, SEQ_BLOCK, type BenchEvidence } from './consumer-run.ts';
import type { BenchStore } from './bench-store.ts';
import type { CpuProfiler } from './cpu-profile.ts';

export interface RoundOptions {
  events: number;
  rounds: number;
  progress: (line: string) => void;
}

export interface Series {
  rates: number[];
  cpuPerEvent: number[];
}

export interface Rounds {
  /** The last consumer, still running: the paced phase uses it (with images when they are on). */
  consumer: RunningConsumer;
  ceilings: number[];
  /** The runs `ratio` is about: with images when they are on. */
  main: Series;
  /** With images on: the same rounds' runs without them. */
  plain: Series | undefined;
  images: number;
  imagesStored: number;
  /** Every consumer's counters (the last one's still counting): what none of them committed shows here. */
  ingests: IngestStats[];
  /** Events published outside the rounds: the warm-up's consumer run and the profiled run. */
  extraEvents: number;
}

/** Deliveries a commit took, on average: what the store's fixed cost a batch is spread over. */
const meanBatch = (s: IngestStats) => Math.round(s.committedEvents / Math.max(1, s.batches));

/** Events of the warm-up's ceiling and consumer run: enough for V8 to compile both sides' hot code. */
export const warmUpEvents = (events: number) => Math.min(events, 50_000);

/** Seq blocks past the rounds' (at most two runs a round) and the paced phase's (`2 * rounds + 1`). */
const warmUpBlock = (rounds: number) => 2 * rounds + 2;
const profileBlock = (rounds: number) => 2 * rounds + 3;

/**
 * Each round a ceiling run, then at once a consumer fed as fast as the publisher can. With images, two consumer
 * runs follow each ceiling, without and with images, the order alternating from round to round (the last round
 * ends with images, so the paced phase has them), so drift within a round favours neither.
 */
export async function throughputRounds(
  broker: AvailableBroker,
  { store, cameras }: BenchStore,
  options: RoundOptions,
  evidence: BenchEvidence | undefined,
  profile: CpuProfiler | undefined,
): Promise<Rounds> {
  const r: Rounds = {
    consumer: undefined!,
    ceilings: [],
    main: { rates: [], cpuPerEvent: [] },
    plain: undefined,
    images: 0,
    imagesStored: 0,
    ingests: [],
    extraEvents: 0,
  };
  if (evidence) r.plain = { rates: [], cpuPerEvent: [] };
  const warm = warmUpEvents(options.events);
  await ceiling(broker, warm, 0, cameras);
  const warmRun = await consumerRun(broker, store, {
    name: 'warm-up',
    events: warm,
    seqStart: warmUpBlock(options.rounds) * SEQ_BLOCK,
    cameras,
  });
  r.ingests.push(warmRun.consumer.ingestor.stats);
  r.extraEvents += warm;
  await warmRun.consumer.stop();
  options.progress(`warm-up: ${warm} events through a ceiling run and a consumer run, not counted`);
  let block = 0;
  for (let n = 1; n <= options.rounds; n++) {
    const ceiling_ = await ceiling(broker, options.events, n, cameras);
    r.ceilings.push(ceiling_);
    const withImagesLast = (options.rounds - n) % 2 === 0;
    const order: (BenchEvidence | undefined)[] = !evidence ? [undefined] : withImagesLast ? [undefined, evidence] : [evidence, undefined];
    for (const [i, ev] of order.entries()) {
      // A session that ends with the round, so the broker queues nothing for it during the next ceiling.
      const name = evidence ? `${n}-${ev ? 'images' : 'plain'}` : String(n);
      const run = await consumerRun(broker, store, { name, events: options.events, seqStart: ++block * SEQ_BLOCK, cameras, evidence: ev });
      r.ingests.push(run.consumer.ingestor.stats);
      const series = ev || !evidence ? r.main : r.plain!;
      series.rates.push(run.rate);
      series.cpuPerEvent.push(run.cpuPerEvent);
      r.images += run.images;
      r.imagesStored += run.imagesStored;
      options.progress(
        `round ${n}${evidence ? (ev ? ', images on ' : ', images off') : ''}: ceiling ${Math.round(ceiling_)} messages/s, consumer ${Math.round(run.rate)} events/s ` +
          `committed and acknowledged (ratio ${(run.rate / ceiling_).toFixed(2)}), ${run.cpuPerEvent.toFixed(1)} us of CPU an event, ` +
          `batches of ${meanBatch(run.consumer.ingestor.stats)} on average` +
          (ev ? `; ${run.images} images published, ${run.imagesStored} stored` : ''),
      );
      const last = n === options.rounds && i === order.length - 1;
      if (last && !profile) r.consumer = run.consumer;
      else await run.consumer.stop();
    }
  }
  if (profile) r.consumer = await profiledRun(broker, store, cameras, options, evidence, profile, r);
  return r;
}

/** One more consumer run, sampled by `profile`, not counted in the ratio; its consumer goes on into the paced phase. */
async function profiledRun(
  broker: AvailableBroker,
  store: BenchStore['store'],
  cameras: number,
  options: RoundOptions,
  evidence: BenchEvidence | undefined,
  profile: CpuProfiler,
  r: Rounds,
): Promise<RunningConsumer> {
  const seqStart = profileBlock(options.rounds) * SEQ_BLOCK;
  const run = await consumerRun(broker, store, { name: 'profile', events: options.events, seqStart, cameras, evidence, profile });
  r.ingests.push(run.consumer.ingestor.stats);
  r.extraEvents += options.events;
  r.images += run.images;
  r.imagesStored += run.imagesStored;
  options.progress(`profiled run: consumer ${Math.round(run.rate)} events/s while sampled every millisecond, not counted in the ratio`);
  return run.consumer;
}
