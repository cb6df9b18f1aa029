import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namesFromLiteral, classIdentifier } from '../../../src/edge/detector/model/labels.ts';
import { parsePythonLiteral } from '../../../src/edge/detector/model/python-literal.ts';

const cases: [string, string, unknown][] = [
  [
    'an Ultralytics names dict',
    "{0: 'person', 1: 'bicycle'}",
    new Map<number, unknown>([
      [0, 'person'],
      [1, 'bicycle'],
    ]),
  ],
  ['double quotes holding a single quote', `{0: "kid's bike"}`, new Map([[0, "kid's bike"]])],
  [
    'escaped quote and backslash',
    String.raw`{0: 'it\'s', 1: 'a\\b'}`,
    new Map([
      [0, "it's"],
      [1, 'a\\b'],
    ]),
  ],
  ['\\x and \\u escapes', String.raw`['caf\xe9', '\u00e9t\u00e9', 'tab\there']`, ['café', 'été', 'tab\there']],
  ['a comma and colon inside a name', "{0: 'a, b: c'}", new Map([[0, 'a, b: c']])],
  ['imgsz list', '[640, 480]', [640, 480]],
  ['a tuple', '(640, 640)', [640, 640]],
  [
    'a trailing comma',
    "{0: 'a', 1: 'b',}",
    new Map([
      [0, 'a'],
      [1, 'b'],
    ]),
  ],
  ['numbers', '[32, -1, 0.25, 1e-3, 1_000]', [32, -1, 0.25, 0.001, 1000]],
  [
    'Python constants',
    "{'nms': True, 'half': False, 'device': None}",
    new Map<string, unknown>([
      ['nms', true],
      ['half', false],
      ['device', null],
    ]),
  ],
  ['JSON constants too', '[true, false, null]', [true, false, null]],
  [
    'nested args',
    "{'imgsz': [640, 640], 'batch': 1}",
    new Map<string, unknown>([
      ['imgsz', [640, 640]],
      ['batch', 1],
    ]),
  ],
];

for (const [name, text, expected] of cases) {
  test(`parses ${name}`, { timeout: 5_000 }, () => {
    assert.deepEqual(parsePythonLiteral(text), expected);
  });
}

const bad: [string, string, RegExp][] = [
  ['an unterminated string', "{0: 'person}", /unterminated string/],
  ['a missing colon', "{0 'person'}", /expected ":"/],
  ['text after the value', "{0: 'a'} extra", /after the value/],
  ['a bare word', '{0: person}', /unexpected "p"/],
  ['a bad \\x escape', String.raw`'\xZZ'`, /bad \\x escape/],
];
for (const [name, text, reason] of bad) {
  test(`rejects ${name} saying where`, { timeout: 5_000 }, () => {
    assert.throws(
      () => parsePythonLiteral(text),
      (err: Error) => reason.test(err.message) && /at offset \d+/.test(err.message),
    );
  });
}

test('names come out in id order from a dict written out of order, and gaps are refused', { timeout: 5_000 }, () => {
  assert.deepEqual(namesFromLiteral(parsePythonLiteral("{1: 'b', 0: 'a'}")), ['a', 'b']);
  assert.equal(namesFromLiteral(parsePythonLiteral("{0: 'a', 2: 'c'}")), undefined);
});

test('class names become detection.v1 identifiers', { timeout: 5_000 }, () => {
  assert.equal(classIdentifier('traffic light', 9), 'traffic_light');
  assert.equal(classIdentifier('Person', 0), 'person');
  assert.equal(classIdentifier('  ', 4), 'class_4');
});
