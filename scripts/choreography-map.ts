/**
 * `npm run docs:map`: writes the choreography map generated from docs/asyncapi.yaml
 * (proof/choreography.ts) into README.md, between its `<!-- choreography-map -->` and
 * `<!-- /choreography-map -->` markers; `-- --check` only says whether the README's copy is
 * the generated one (exit 1 when not).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readmeWithMap } from '../proof/choreography.js';
import { asyncApiDocument } from '../proof/contracts.js';

const README = fileURLToPath(new URL('../README.md', import.meta.url));
const readme = readFileSync(README, 'utf8');
const updated = readmeWithMap(readme, asyncApiDocument);
if (process.argv.includes('--check')) {
  if (updated !== readme) {
    console.error(
      'README.md: the choreography map is not the one docs/asyncapi.yaml gives (npm run docs:map)',
    );
    process.exit(1);
  }
  console.log("README.md: the choreography map is docs/asyncapi.yaml's");
} else {
  writeFileSync(README, updated);
  console.log('README.md: choreography map written from docs/asyncapi.yaml');
}
