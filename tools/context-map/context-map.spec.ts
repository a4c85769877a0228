import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PATTERN_REFERENCE, readContextMap, renderContextMap } from './context-map';
import { DEFAULT_NATS_NAMESPACE, NATS_PROCESSES, natsUsersOf, renderNatsAuthorization } from './nats-authorization';

const root = resolve(__dirname, '..', '..');

describe('the context map', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the modules are found at run time
  const map = readContextMap(root, (modulePath) => require(modulePath));

  it('is what docs/context-map.md says: run `npm run context-map` after changing a pattern, a handler or a caller', () => {
    expect(readFileSync(join(root, 'docs', 'context-map.md'), 'utf8')).toBe(renderContextMap(map));
  });

  it('gives each process the NATS permissions docker/nats/authorization.conf grants: run `npm run context-map` after changing a pattern, a handler or a caller', () => {
    expect(readFileSync(join(root, 'docker', 'nats', 'authorization.conf'), 'utf8')).toBe(
      renderNatsAuthorization(natsUsersOf(map, DEFAULT_NATS_NAMESPACE, NATS_PROCESSES), DEFAULT_NATS_NAMESPACE),
    );
  });

  it('has a handler for every pattern somebody sends and every event routed to a consumer, and nothing handled undeclared', () => {
    expect(map.problems).toEqual([]);
  });

  it("draws a diagram Mermaid's flowchart grammar takes: plain node ids, every other name a quoted label", () => {
    const diagram = /```mermaid\n([\s\S]*?)```/.exec(renderContextMap(map))![1].trim().split('\n');
    expect(diagram[0]).toBe('flowchart LR');
    const node = /^ {2}\w+\["[^"]+"\]$/;
    const edge = /^ {2}\w+ (-->|-\.->)\|[^|"]+\| \w+$/;
    expect(diagram.slice(1).filter((line) => !node.test(line) && !edge.test(line))).toEqual([]);
  });

  it('reads who answers, who asks and who hears from the code', () => {
    expect(map.requests.find((row) => row.pattern === 'catalog.reserve-stock')).toEqual({
      pattern: 'catalog.reserve-stock',
      owner: 'catalog',
      callers: ['ordering'],
      contract: 'ReserveStockRequest',
    });
    expect(map.events.find((row) => row.pattern === 'ordering.order.cancelled')).toMatchObject({ publisher: 'ordering', subscribers: ['catalog', 'payments'] });
    expect(map.requests.find((row) => row.pattern === 'payments.list-dead-letters')).toMatchObject({ owner: 'payments', callers: ['gateway'] });
  });

  it('names the contract of every pattern a comment opens with, not only the first', () => {
    for (const pattern of ['catalog.replay-dead-letter', 'catalog.discard-dead-letter'])
      expect(map.requests.find((row) => row.pattern === pattern)?.contract).toBe('DeadLetterActionRequest');
  });

  it('finds the callers of a context whose name holds a digit, as new:context allows', () => {
    const named = [...'await this.stock2.send(STOCK2_PATTERNS.CHECK_HEALTH, {});'.matchAll(PATTERN_REFERENCE)].map(([, table, key]) => `${table}.${key}`);
    expect(named).toEqual(['STOCK2_PATTERNS.CHECK_HEALTH']);
  });
});
