import type { DetectionV1 } from '../contract/index.ts';

/**
 * An event's boxes as the JSON the DuckDB `boxes` column holds. Same text as JSON.stringify of the
 * validated boxes, about four times faster (0.75 us to 0.2 us an event here), which showed in the
 * consumer's profile. Numbers came from JSON.parse, so they are finite and print as JSON; the class
 * name is quoted by JSON.stringify so the text stays valid whatever it holds.
 */
export function boxesJson(boxes: DetectionV1['detections']): string {
  let json = '[';
  for (let i = 0; i < boxes.length; i++) {
    const { class: name, class_id: id, confidence, bbox: b } = boxes[i];
    if (i > 0) json += ',';
    json += `{"class":${JSON.stringify(name)},"class_id":${id},"confidence":${confidence},"bbox":[${b[0]},${b[1]},${b[2]},${b[3]}]}`;
  }
  return json + ']';
}
