import { NAMESPACE_RULE } from '@tessera/messaging';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readContextMap, renderContextMap } from './context-map';
import { DEFAULT_NATS_NAMESPACE, NATS_PROCESSES, natsUsersOf, renderNatsAuthorization } from './nats-authorization';

// Run from dist (npm run context-map builds first): the controllers are loaded from the build beside this file, the
// sources and contracts read from the repository.
const root = resolve(__dirname, '..', '..', '..');
const built = resolve(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the built modules are found at run time
const map = readContextMap(root, (source) => require(join(built, source.slice(root.length))));
const namespaceAt = process.argv.indexOf('--namespace');
if (namespaceAt >= 0) {
  // Another deployment's MESSAGING_NAMESPACE: its authorization goes to stdout, and the committed files stay as they are.
  const namespace = process.argv[namespaceAt + 1] ?? '';
  if (!NAMESPACE_RULE.test(namespace)) {
    process.stderr.write(`--namespace takes a MESSAGING_NAMESPACE (${NAMESPACE_RULE}), not "${namespace}"\n`);
    process.exit(78);
  }
  process.stdout.write(renderNatsAuthorization(natsUsersOf(map, namespace, NATS_PROCESSES), namespace));
} else {
  writeFileSync(join(root, 'docs', 'context-map.md'), renderContextMap(map));
  mkdirSync(join(root, 'docker', 'nats'), { recursive: true });
  writeFileSync(
    join(root, 'docker', 'nats', 'authorization.conf'),
    renderNatsAuthorization(natsUsersOf(map, DEFAULT_NATS_NAMESPACE, NATS_PROCESSES), DEFAULT_NATS_NAMESPACE),
  );
  process.stdout.write(`docs/context-map.md: ${map.requests.length} requests, ${map.events.length} events; docker/nats/authorization.conf\n`);
}
for (const problem of map.problems) process.stderr.write(`context map: ${problem}\n`);
process.exitCode = map.problems.length > 0 ? 1 : 0;
