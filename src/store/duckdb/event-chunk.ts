import { endianness } from 'node:os';
import bindings from '@duckdb/node-bindings';
import { BIGINT, DuckDBDataChunk, INTEGER, TIMESTAMP, VARCHAR } from '@duckdb/node-api';
import type { DetectionV1 } from '../../contract/index.ts';
import { boxesJson } from './boxes-json.ts';
import type { EventTimes } from '../rollups/batch.ts';

/** The event_rows table's column types, in its column order (store/duckdb/schema.ts). */
const TYPES = [VARCHAR, INTEGER, BIGINT, TIMESTAMP, TIMESTAMP, TIMESTAMP, INTEGER, INTEGER, INTEGER, VARCHAR];
/** DuckDB's vector size: the most rows one data chunk holds. */
export const CHUNK_ROWS = 2048;

const TWO_32 = 2 ** 32;
const LOW = endianness() === 'LE' ? 0 : 1;

/**
 * An int64 column's values as pairs of int32 words, in the machine's byte order as DuckDB keeps them, so no
 * value goes through BigInt and DuckDB's value objects (four allocations a timestamp). `set` multiplies by
 * `scale` (1,000 for milliseconds to DuckDB's microseconds) word by word, so it stays exact for every value
 * the contract allows, a seq up to 2^53 or any timestamp from year 0 to 9999, where the product itself
 * would not fit a double's 53 bits.
 */
class Int64Column {
  readonly words: Int32Array<ArrayBuffer>;
  constructor(rows: number) {
    this.words = new Int32Array(rows * 2);
  }
  set(row: number, value: number, scale = 1): void {
    const high = Math.floor(value / TWO_32);
    const low = (value - high * TWO_32) * scale;
    const carry = Math.floor(low / TWO_32);
    this.words[row * 2 + LOW] = low - carry * TWO_32;
    this.words[row * 2 + 1 - LOW] = high * scale + carry;
  }
}

function copyInto(chunk: DuckDBDataChunk, column: number, data: Int32Array<ArrayBuffer>): void {
  bindings.copy_data_to_vector(bindings.data_chunk_get_vector(chunk.chunk, column), 0, data.buffer, data.byteOffset, data.byteLength);
}

/**
 * One data chunk of event rows, `rows` events from `start`, written column by column straight into
 * DuckDB's vectors: numbers into typed arrays copied once per column, strings assigned in place. Every
 * column is written (a chunk with a vector left unwritten crashes the appender) and none is NULL, so the
 * vectors' validity masks stay as created, all valid.
 */
export function eventChunk(
  events: readonly DetectionV1[],
  sources: Int32Array<ArrayBuffer>,
  times: EventTimes,
  committedMs: number,
  start: number,
  rows: number,
): DuckDBDataChunk {
  const chunk = DuckDBDataChunk.create(TYPES, rows);
  const ids = bindings.data_chunk_get_vector(chunk.chunk, 0);
  const boxes = bindings.data_chunk_get_vector(chunk.chunk, 9);
  const seq = new Int64Column(rows);
  const captured = new Int64Column(rows);
  const inferred = new Int64Column(rows);
  const committed = new Int64Column(rows);
  const ints = [new Int32Array(rows), new Int32Array(rows), new Int32Array(rows)];
  for (let row = 0; row < rows; row++) {
    const i = start + row;
    const e = events[i];
    bindings.vector_assign_string_element(ids, row, e.event_id);
    seq.set(row, e.seq);
    captured.set(row, times.captured[i], 1000);
    inferred.set(row, times.inferred[i], 1000);
    committed.set(row, committedMs, 1000);
    ints[0][row] = e.frame.width;
    ints[1][row] = e.frame.height;
    ints[2][row] = e.detections.length;
    bindings.vector_assign_string_element(boxes, row, boxesJson(e.detections));
  }
  copyInto(chunk, 1, sources.subarray(start, start + rows));
  copyInto(chunk, 2, seq.words);
  copyInto(chunk, 3, captured.words);
  copyInto(chunk, 4, inferred.words);
  copyInto(chunk, 5, committed.words);
  ints.forEach((data, k) => copyInto(chunk, 6 + k, data));
  return chunk;
}
