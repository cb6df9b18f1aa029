import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boxesJson } from '../../src/store/duckdb/boxes-json.ts';

const positional = (boxes: { class: string; class_id: number; confidence: number; bbox: number[] }[]) =>
  boxes.map((b) => [b.class, b.class_id, b.confidence, ...b.bbox]);

test('boxesJson writes each box as [class, class_id, confidence, x, y, w, h], the text JSON.stringify would', { timeout: 10_000 }, () => {
  const payloads = [
    '[]',
    '[{"class":"scratch","class_id":0,"confidence":0.91,"bbox":[412,188,64,30]}]',
    '[{"class":"a_b-9","class_id":65535,"confidence":1,"bbox":[0,0,0,0]},{"class":"dent","class_id":3,"confidence":1e-7,"bbox":[0.1,2.5e-5,1920.75,123456789.125]}]',
  ];
  for (const text of payloads) {
    const boxes = JSON.parse(text);
    assert.equal(boxesJson(boxes), JSON.stringify(positional(boxes)));
    assert.deepEqual(JSON.parse(boxesJson(boxes)), positional(boxes));
  }
  assert.equal(boxesJson(JSON.parse(payloads[1])), '[["scratch",0,0.91,412,188,64,30]]');
});

test('boxesJson keeps the text valid JSON whatever the class name holds', { timeout: 10_000 }, () => {
  const boxes = [
    { class: 'quote" back\\slash \u2028', class_id: 1, confidence: 0.5, bbox: [1, 2, 3, 4] as [number, number, number, number] },
  ];
  assert.deepEqual(JSON.parse(boxesJson(boxes)), positional(boxes));
});
