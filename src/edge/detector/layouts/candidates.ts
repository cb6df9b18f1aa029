/**
 * Boxes a layout decoded from the model output, before NMS: corners in model-input pixels (the letterboxed
 * image), score and class, in growable typed arrays so a frame's post-processing allocates nothing once warm.
 * Shared by every output layout, as Frigate's yolo_utils is shared by its detectors.
 */
export class Candidates {
  count = 0;
  x1 = new Float32Array(256);
  y1 = new Float32Array(256);
  x2 = new Float32Array(256);
  y2 = new Float32Array(256);
  score = new Float32Array(256);
  cls = new Int32Array(256);

  clear(): void {
    this.count = 0;
  }

  private grow(): void {
    const n = this.x1.length * 2;
    const f = (a: Float32Array) => {
      const b = new Float32Array(n);
      b.set(a);
      return b;
    };
    this.x1 = f(this.x1);
    this.y1 = f(this.y1);
    this.x2 = f(this.x2);
    this.y2 = f(this.y2);
    this.score = f(this.score);
    const c = new Int32Array(n);
    c.set(this.cls);
    this.cls = c;
  }

  push(x1: number, y1: number, x2: number, y2: number, score: number, cls: number): void {
    if (this.count === this.x1.length) this.grow();
    const i = this.count++;
    this.x1[i] = x1;
    this.y1[i] = y1;
    this.x2[i] = x2;
    this.y2[i] = y2;
    this.score[i] = score;
    this.cls[i] = cls;
  }

  /** YOLO heads give centre, width and height; NMS and the mapping back work on corners. */
  pushCentre(cx: number, cy: number, w: number, h: number, score: number, cls: number): void {
    this.push(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, score, cls);
  }
}

/** What every layout's decoder is told. */
export interface DecodeOptions {
  /** Minimum score a box needs (Ultralytics `conf`). */
  conf: number;
  /** Class ids to keep; all when undefined. Applied after each box takes its best class, as Ultralytics does. */
  classes?: ReadonlySet<number>;
}
