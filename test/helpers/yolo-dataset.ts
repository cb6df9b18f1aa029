/**
 * Reads back a folder `seamline evidence export` wrote, as a trainer would, and checks it against the
 * evidence store it came from: data.yaml parses, every image has its label file, the image bytes are the
 * stored bytes, and each label line, denormalised by the frame, is a stored box of an exported class.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { EvidenceStore } from '../../src/store/evidence/evidence-store.ts';

export interface ReadDataset {
  yaml: { path: string; train: string; val: string; names: Record<number, string> };
  manifest: Record<string, any>;
  /** event_id -> where it is and what it holds. */
  items: Map<string, { split: 'train' | 'val'; image: Buffer; labels: string[] }>;
}

export function readDataset(out: string): ReadDataset {
  const yaml = parse(readFileSync(join(out, 'data.yaml'), 'utf8'));
  const manifest = JSON.parse(readFileSync(join(out, 'export.json'), 'utf8'));
  const items: ReadDataset['items'] = new Map();
  for (const split of ['train', 'val'] as const) {
    const images = readdirSync(join(out, 'images', split));
    const labels = readdirSync(join(out, 'labels', split));
    assert.deepEqual(
      labels.map((l) => l.replace(/\.txt$/, '')).sort(),
      images.map((i) => i.replace(/\.jpg$/, '')).sort(),
      `${split}: every image has a label file and every label file an image`,
    );
    for (const name of images) {
      const id = name.replace(/\.jpg$/, '');
      const text = readFileSync(join(out, 'labels', split, `${id}.txt`), 'utf8');
      items.set(id, { split, image: readFileSync(join(out, 'images', split, name)), labels: text.split('\n').filter((l) => l !== '') });
    }
  }
  return { yaml, manifest, items };
}

/**
 * Every exported image against the store: bytes equal, and its label lines are exactly its boxes of the
 * exported classes (ids through data.yaml's names), each reproduced within 1e-6 of the frame's size.
 */
export async function assertReproducesStore(dataset: ReadDataset, store: EvidenceStore, exported?: ReadonlySet<string>): Promise<number> {
  const { names } = dataset.yaml;
  const ids = Object.keys(names).map(Number);
  assert.deepEqual(
    ids,
    ids.map((_, i) => i),
    'names are ids 0..n-1',
  );
  let lines = 0;
  for (const [id, item] of dataset.items) {
    const stored = await store.get(id);
    assert.ok(stored, `${id} is in the store`);
    assert.ok(item.image.equals(stored.image), `${id}: the image bytes are the stored bytes`);
    const { width: W, height: H } = stored.header.frame;
    const boxes = stored.header.detections.filter((d) => (exported ? exported.has(d.class) : true));
    assert.equal(item.labels.length, boxes.length, `${id}: one line per box of an exported class`);
    boxes.forEach((d, i) => {
      const [cls, cx, cy, w, h] = item.labels[i].split(' ');
      assert.equal(names[Number(cls)], d.class, `${id}: line ${i} names the box's class`);
      assert.match(item.labels[i], /^\d+( [01]\.\d{6}){4}$/, 'four numbers in [0, 1], six decimals');
      const back = [(Number(cx) - Number(w) / 2) * W, (Number(cy) - Number(h) / 2) * H, Number(w) * W, Number(h) * H];
      // The stored box cut at the frame's edge (a box inside the frame is unchanged).
      const [x, y, bw, bh] = d.bbox;
      const cut = [Math.max(0, x), Math.max(0, y), Math.min(W, x + bw) - Math.max(0, x), Math.min(H, y + bh) - Math.max(0, y)];
      back.forEach((v, k) => {
        const size = k % 2 === 0 ? W : H;
        assert.ok(Math.abs(v - cut[k]) <= 1e-6 * size, `${id}: line ${i} value ${k}: ${v} vs stored ${cut[k]}`);
      });
      lines++;
    });
  }
  return lines;
}
