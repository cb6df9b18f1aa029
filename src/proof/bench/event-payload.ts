import { v7 as uuidv7 } from 'uuid';
import { detectionTopic } from '../../contract/index.ts';

/**
 * A valid detection.v1 with two boxes, built as a string: bench and chaos publishers make hundreds of
 * thousands of them, and JSON.stringify of an object per event would dominate the publisher's CPU.
 */
export function eventPayload(camera: number, seq: number, capturedMs: number): { topic: string; payload: string } {
  const id = { region: 'bench', site: 'line-1', camera: `cam-${camera}` };
  const captured = new Date(capturedMs).toISOString();
  const inferred = new Date(capturedMs + 18).toISOString();
  return {
    topic: detectionTopic(id),
    payload:
      `{"schema_version":"detection.v1","event_id":"${uuidv7()}","region":"bench","site":"line-1","camera":"cam-${camera}",` +
      `"seq":${seq},"captured_at":"${captured}","inferred_at":"${inferred}","model":{"name":"yolov8n","version":"8.1.0"},` +
      `"frame":{"width":1280,"height":720},"detections":[{"class":"scratch","class_id":1,"confidence":0.91,"bbox":[412,188,64,30]},` +
      `{"class":"part","class_id":0,"confidence":0.97,"bbox":[300,120,380,410]}]}`,
  };
}
