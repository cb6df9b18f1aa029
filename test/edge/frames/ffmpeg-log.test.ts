import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FfmpegLog, parseShowinfo, type FrameInfo } from '../../../src/edge/frames/ffmpeg-log.ts';

test('showinfo lines of ffmpeg 5.1 give the presentation time and decoded size; other lines give nothing', { timeout: 5_000 }, () => {
  const cases: [string, FrameInfo | undefined][] = [
    [
      '[Parsed_showinfo_0 @ 0x5561652cdbc0] [info] n:   1 pts:     40 pts_time:0.04    pos:     1581 fmt:bgr0 sar:1/1 s:1280x721 i:P iskey:0 type:I ',
      { ptsSeconds: 0.04, width: 1280, height: 721 },
    ],
    [
      '[Parsed_showinfo_1 @ 0x1] [info] n:  12 pts:NOPTS pts_time:NOPTS pos:  -1 fmt:yuv420p sar:0/1 s:160x120 i:P iskey:1 type:I ',
      { ptsSeconds: NaN, width: 160, height: 120 },
    ],
    [
      '[Parsed_showinfo_0 @ 0x5561652cdbc0] [info] color_range:unknown color_space:unknown color_primaries:unknown color_trc:unknown',
      undefined,
    ],
    ['[Parsed_showinfo_0 @ 0x5561652cdbc0] [info] config in time_base: 1/1000, frame_rate: 25/1', undefined],
    ['[info]   Stream #0:0: Video: ffv1 (FFV1 / 0x31564646), bgr0(progressive), 1280x721, SAR 1:1 DAR 1280:721, 25 fps', undefined],
  ];
  for (const [line, expected] of cases) assert.deepEqual(parseShowinfo(line), expected, line);
});

test('the log keeps the input duration, its creation_time and the last error, redacted, across split chunks', { timeout: 5_000 }, () => {
  const frames: FrameInfo[] = [];
  const log = new FfmpegLog((f) => frames.push(f));
  const text = [
    "[info] Input #0, mpegts, from 'http://cam:hunter2@10.0.0.5/live.ts':",
    '[info]   Duration: 00:01:02.50, start: 1.400000, bitrate: 1000 kb/s',
    '[info]     creation_time   : 2024-05-01T10:00:00.000000Z',
    '[Parsed_showinfo_0 @ 0x1] [info] n:   0 pts:      0 pts_time:0       pos:  1 fmt:rgb24 sar:1/1 s:64x48 i:P iskey:1 type:I ',
    '[h264 @ 0x2] [warning] concealing 12 DC errors',
    '[tcp @ 0x3] [error] Connection to tcp://cam:hunter2@10.0.0.5:80 failed: Connection refused',
    '[info] Output #0, rawvideo, to ...',
    '[info]     creation_time   : 2030-01-01T00:00:00.000000Z',
  ].join('\n');
  // Cut mid-line, as pipe reads do.
  log.write(text.slice(0, 123));
  log.write(text.slice(123));
  log.end();
  assert.equal(log.durationSeconds, 62.5);
  assert.equal(log.creationTime, Date.parse('2024-05-01T10:00:00Z'));
  assert.deepEqual(frames, [{ ptsSeconds: 0, width: 64, height: 48 }]);
  assert.equal(log.lastLine(), '[tcp @ 0x3] Connection to tcp://cam:***@10.0.0.5:80 failed: Connection refused');
});
