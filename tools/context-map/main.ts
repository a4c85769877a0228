import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readContextMap, renderContextMap } from './context-map';

// Run from dist (npm run context-map builds first): the controllers are loaded from the build beside this file, the
// sources and contracts read from the repository.
const root = resolve(__dirname, '..', '..', '..');
const built = resolve(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the built modules are found at run time
const map = readContextMap(root, (source) => require(join(built, source.slice(root.length))));
writeFileSync(join(root, 'docs', 'context-map.md'), renderContextMap(map));
for (const problem of map.problems) process.stderr.write(`context map: ${problem}\n`);
process.stdout.write(`docs/context-map.md: ${map.requests.length} requests, ${map.events.length} events\n`);
process.exitCode = map.problems.length > 0 ? 1 : 0;
