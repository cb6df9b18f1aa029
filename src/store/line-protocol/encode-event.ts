/**
 * The line-protocol body of a batch, written without per-point garbage: each event's lines (the `event`
 * point and its `detection` points, encode.ts eventPoints) are built as one string straight from the event,
 * with no Point objects, no tag or field records to sort and no escaping of what needs none, and appended
 * to a Buffer that grows to the largest body seen and is then reused. The bytes are exactly those of
 * `eventPoints(...).map(encodePoint)` joined by newlines (test/store/line-protocol-encode.test.ts checks
 * it); an event with a number line protocol cannot carry (not finite) takes that general path.
 */
import type { DetectionV1 } from '../../contract/index.ts';
import { encodePoint, escapeKey, eventPoints, quoteString, type IdentityRule } from './encode.ts';

/** A body being written: text appended as UTF-8 into one reused Buffer. */
export class LineBody {
  private buf = Buffer.allocUnsafe(1 << 16);
  private length = 0;

  /** Appends `text` (whole lines, each ending with a newline). */
  append(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (this.length + text.length * 3 > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + text.length * 3));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.length += this.buf.write(text, this.length, 'utf8');
  }

  get bytes(): number {
    return this.length;
  }

  /** The body written since the last take(), as a Buffer of its own (the reused one is written again next). */
  take(): Buffer<ArrayBuffer> {
    const out = Buffer.allocUnsafeSlow(this.length);
    this.buf.copy(out, 0, 0, this.length);
    this.length = 0;
    return out;
  }
}

/** `,key=value` for a tag, or nothing for an empty value (encodePoint leaves those out). */
const tag = (key: string, value: string) => (value === '' ? '' : `,${key}=${escapeKey(value)}`);

/** Appends the lines of one event (eventPoints, then encodePoint each) to `out`. */
export function appendEvent(out: LineBody, e: DetectionV1, committedMs: number, rule: IdentityRule): void {
  if (!allFinite(e)) {
    for (const p of eventPoints(e, committedMs, rule)) out.append(`${encodePoint(p)}\n`);
    return;
  }
  const captured = Date.parse(e.captured_at);
  const seq = Math.trunc(e.seq);
  const time = ` ${rule.time(captured, e.seq)}\n`;
  const camera = tag('camera', e.camera);
  const rest = `${tag('region', e.region)}${tag('site', e.site)}${tag('slot', rule.slot(e.seq))}`;
  const offsets = `,seq=${seq}i,inference_ms=${Math.trunc(Date.parse(e.inferred_at) - captured)}i,lag_ms=${Math.trunc(committedMs - captured)}i`;
  const id = rule.strings ? `,event_id=${quoteString(e.event_id)}` : '';
  const model = rule.strings ? `,model=${quoteString(`${e.model.name}@${e.model.version}`)}` : '';
  let text = `event${camera}${rest} detections=${e.detections.length}i${offsets}${id}${model}${time}`;
  for (let idx = 0; idx < e.detections.length; idx++) {
    const d = e.detections[idx];
    const [x, y, w, h] = d.bbox;
    text +=
      `detection${camera}${tag('class', d.class)},idx=${idx}${rest} confidence=${d.confidence},class_id=${Math.trunc(d.class_id)}i,` +
      `x=${x},y=${y},w=${w},h=${h}${time}`;
  }
  out.append(text);
}

/** encodePoint drops a field whose number is not finite; such an event (none valid) takes the general path. */
function allFinite(e: DetectionV1): boolean {
  for (const d of e.detections) {
    if (!Number.isFinite(d.confidence) || d.bbox.length !== 4) return false;
    for (const v of d.bbox) if (!Number.isFinite(v)) return false;
  }
  return true;
}
