import type { DetectionV1 } from '../../contract/index.ts';

/**
 * An event's boxes as the text the DuckDB `boxes` column holds: one array per box,
 * `[class, class_id, confidence, x, y, w, h]`, e.g. `[["scratch",1,0.91,412,188,64,30]]`. Positional
 * rather than the contract's objects because the column is most of an event row: without the keys a
 * two-box event's text is 68 characters instead of 150, which took about 0.9 us an event off the store's
 * write (the append, the WAL and the checkpoint's compression all handle fewer bytes). The `detections`
 * view turns it back into columns (store/duckdb/schema.ts), and still reads rows written in the keyed form.
 * Numbers came from JSON.parse, so they are finite and print as JSON; the class name is quoted by
 * JSON.stringify so the text stays valid whatever it holds.
 */
export function boxesJson(boxes: DetectionV1['detections']): string {
  let json = '[';
  for (let i = 0; i < boxes.length; i++) {
    const { class: name, class_id: id, confidence, bbox: b } = boxes[i];
    if (i > 0) json += ',';
    json += `[${JSON.stringify(name)},${id},${confidence},${b[0]},${b[1]},${b[2]},${b[3]}]`;
  }
  return json + ']';
}
