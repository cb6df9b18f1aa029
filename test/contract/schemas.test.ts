import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import addFormats from 'ajv-formats';
import { isDayOnCalendar } from '../../src/contract/calendar.ts';
import { schemaFiles } from '../../src/contract/schema-files.ts';

test('the committed JSON Schema files match the contract definition (run `npm run schemas` after a change)', { timeout: 10_000 }, () => {
  for (const [file, text] of Object.entries(schemaFiles())) {
    const committed = readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8');
    assert.equal(committed, text, `schemas/${file} is stale`);
  }
});

test('the committed schema files, read by a validator of their own, admit and refuse exactly what the consumer does', {
  timeout: 10_000,
}, async () => {
  const { Ajv2020 } = await import('ajv/dist/2020.js');
  const { decodeMessage } = await import('../../src/contract/index.ts');
  const { hostileCorpus } = await import('../consumer/hostile-corpus.ts');
  // As another producer would: the JSON files only, draft 2020-12, formats asserted, our annotation allowed.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const read = (file: string) => JSON.parse(readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8'));
  const validate = { detection: ajv.compile(read('detection.v1.json')), status: ajv.compile(read('status.v1.json')) };
  const corpus = hostileCorpus();
  let refused = 0;
  for (const input of corpus) {
    const byFile = validate[input.kind](JSON.parse(input.payload.toString()));
    const byConsumer = decodeMessage(input.topic, input.payload).ok;
    assert.equal(byFile, byConsumer, `${input.name}: schema file says ${byFile}, consumer says ${byConsumer}`);
    assert.equal(byConsumer, input.contractRefuses === undefined, `${input.name}`);
    if (!byFile) refused++;
  }
  assert.ok(refused >= 15 && refused < corpus.length, `${refused} of ${corpus.length} refused: both kinds are in the corpus`);
});

test("the contract's calendar check agrees with ajv-formats' RFC 3339 date-time on every day of four hundred years", {
  timeout: 10_000,
}, async () => {
  const { Ajv2020 } = await import('ajv/dist/2020.js');
  const ajv = new Ajv2020();
  addFormats.default(ajv, ['date-time']);
  const reference = ajv.compile({ type: 'string', format: 'date-time' });
  let checked = 0;
  let refused = 0;
  for (let year = 1970; year < 2262; year += year < 2010 || year > 2095 ? 1 : 7) {
    for (let month = 1; month <= 12; month++) {
      for (let day = 28; day <= 31; day++) {
        const ts = `${year}-${String(month).padStart(2, '0')}-${day}T12:00:00.000Z`;
        assert.equal(isDayOnCalendar(ts), reference(ts), ts);
        checked++;
        if (!reference(ts)) refused++;
      }
    }
  }
  // 2000 is a leap year, 2100 and 2200 are not: all three are in the range walked.
  assert.equal(isDayOnCalendar('2000-02-29T00:00:00.000Z'), true);
  assert.equal(isDayOnCalendar('2100-02-29T00:00:00.000Z'), false);
  assert.ok(checked > 5_000 && refused > 1_000, `${checked} checked, ${refused} refused`);
});
