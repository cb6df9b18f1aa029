import { DetectionV1Schema } from './detection.ts';
import { RepairAnswerV1Schema, RepairRequestV1Schema } from './repair.ts';
import { StatusV1Schema } from './status.ts';
import { EvidenceV1Schema } from './evidence.ts';

const HEADER = 'Generated from src/contract by `npm run schemas`; do not edit by hand.';

/** The committed JSON Schema files, keyed by file name, as `npm run schemas` writes them. */
export function schemaFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const schema of [DetectionV1Schema, StatusV1Schema, EvidenceV1Schema, RepairRequestV1Schema, RepairAnswerV1Schema]) {
    const json = { $schema: 'https://json-schema.org/draft/2020-12/schema', $comment: HEADER, ...schema };
    out[`${schema.title}.json`] = JSON.stringify(json, null, 2) + '\n';
  }
  return out;
}
