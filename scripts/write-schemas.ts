/** Writes schemas/*.json from the TypeBox definitions. `npm run schemas`; a test fails when they drift. */
import { writeFileSync } from 'node:fs';
import { schemaFiles } from '../src/contract/schema-files.ts';

for (const [file, text] of Object.entries(schemaFiles())) {
  writeFileSync(new URL(`../schemas/${file}`, import.meta.url), text);
  console.log(`wrote schemas/${file}`);
}
