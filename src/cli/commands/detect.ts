import { Type, type Static } from '@sinclair/typebox';
import { Command } from 'commander';
import { SeamError } from '../../contract/index.ts';
import type { OnnxDetector } from '../../edge/detector/onnx-detector.ts';
import { PREPROCESS } from '../../edge/detector/preprocess.ts';
import type { Frame } from '../../edge/frames/frame-source.ts';
import { configFromFlags } from '../config/config-file.ts';
import { integerFlag } from '../config/flags.ts';
import { addInferenceOptions, detectorOptions, INFERENCE_DEFAULTS, InferenceConfigFields, openSource } from '../config/inference-flags.ts';
import { logLevelOption, LogLevelSchema } from '../config/log-level.ts';
import { createLogger } from '../process/logger.ts';

const DetectConfigSchema = Type.Object(
  {
    ...InferenceConfigFields,
    json: Type.Boolean(),
    frames: Type.Optional(Type.Integer({ minimum: 1, description: 'Stop after this many frames.' })),
    logLevel: LogLevelSchema,
  },
  { additionalProperties: false, title: 'seamline detect config' },
);
type DetectConfig = Static<typeof DetectConfigSchema>;
const DEFAULTS: DetectConfig = { ...INFERENCE_DEFAULTS, json: false, logLevel: 'warn' };

export function detectCommand(): Command {
  const cmd = new Command('detect')
    .description(
      'Run a detection model alone on an image, a folder of images, a video or the synthetic scene, and print ' +
        "each frame's detections (boxes in frame pixels). No broker, no outbox: the way to check a model before " +
        'deploying it. See docs/inference.md.',
    )
    .option('-c, --config <file>', 'JSON config file; flags override it')
    .option('--json', 'one JSON object a frame (NDJSON): frame, captured_at, width, height, preprocess, detections')
    .option('--frames <n>', 'stop after this many frames', integerFlag)
    .addOption(logLevelOption());
  return addInferenceOptions(cmd, 'an image, a folder of images, a video file, a stream URL, or "synthetic"').action(
    async (flags: Record<string, unknown> & { config?: string }) => {
      await runDetect(configFromFlags<DetectConfig>(DetectConfigSchema, DEFAULTS, flags));
    },
  );
}

function line(frame: Frame, detections: Awaited<ReturnType<OnnxDetector['detect']>>['detections'], json: boolean): string {
  const captured_at = new Date(frame.capturedAt).toISOString();
  if (json) {
    // `preprocess` says how the frame became the model's input (every source: the detector's own letterbox).
    return JSON.stringify({
      frame: frame.index,
      captured_at,
      width: frame.width,
      height: frame.height,
      preprocess: PREPROCESS,
      detections,
    });
  }
  const boxes = detections.map((d) => `${d.class} ${d.confidence.toFixed(2)} [${d.bbox.join(', ')}]`).join('; ');
  return `frame ${frame.index}  ${captured_at}  ${frame.width}x${frame.height}  ${detections.length} boxes${boxes ? `: ${boxes}` : ''}`;
}

async function runDetect(config: DetectConfig): Promise<void> {
  const logger = createLogger(config.logLevel);
  if (!config.source)
    throw new SeamError('SEAM_ERR_CONFIG', 'source is required (--source image|dir|video|synthetic)', { field: 'source' });
  const { OnnxDetector } = await import('../../edge/detector/onnx-detector.ts');
  const detector = await OnnxDetector.open(detectorOptions(config));
  const source = await openSource(config, { logger, paced: false });
  let frames = 0;
  let boxes = 0;
  const started = performance.now();
  let finished!: () => void;
  const limitReached = new Promise<void>((r) => (finished = r));
  await source.start(async (frame) => {
    if (config.frames !== undefined && frames >= config.frames) return finished();
    const { width, height, index, capturedAt } = frame;
    const { detections } = await detector.detect(frame);
    frames++;
    boxes += detections.length;
    process.stdout.write(`${line({ ...frame, width, height, index, capturedAt }, detections, config.json)}\n`);
    if (config.frames !== undefined && frames >= config.frames) finished();
  });
  await Promise.race([source.done, limitReached]);
  await source.stop();
  const { modelMsP50 } = detector.stats();
  await detector.close();
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(
    `${frames} frames, ${boxes} boxes, ${(frames / seconds).toFixed(1)} frames/s, model p50 ${modelMsP50} ms (${detector.model.name}, ${detector.model.layout}), preprocess: ${PREPROCESS}\n`,
  );
}
