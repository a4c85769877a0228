import { randomUUID } from 'node:crypto';
import { Api } from '../harness/http';
import { RunningTopology, startTcpSplit, TEST_ADMIN } from '../harness/topologies';
import { untilPasses } from '../harness/eventually';

const PROCESSES = ['gateway', 'users', 'catalog', 'ordering', 'payments'] as const;

interface LogLine {
  raw: string;
  json?: Record<string, unknown>;
}

/** The lines of a process's log that mention `id`, each parsed when it is JSON. */
function linesMentioning(topology: RunningTopology, processName: string, id: string): LogLine[] {
  return topology.processes[processName]
    .output()
    .split('\n')
    .filter((line) => line.includes(id))
    .map((raw) => {
      try {
        return { raw, json: JSON.parse(raw) as Record<string, unknown> };
      } catch {
        return { raw };
      }
    });
}

describe('one correlation id across the gateway and the four contexts over TCP', () => {
  let topology: RunningTopology;
  let api: Api;

  beforeAll(async () => {
    // Debug, so that every context logs the messages it handles.
    topology = await startTcpSplit('embedded', { env: { LOG_LEVEL: 'debug' } });
    api = await new Api(topology.baseUrl).holdingToOpenApi();
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
  }, 30_000);

  it('follows a request that places and pays an order into every process’s log, always as correlationId', async () => {
    const admin = await api.post('/auth/login', TEST_ADMIN);
    expect(admin.status).toBe(200);
    const sku = `CORR-${randomUUID().slice(0, 8)}`;
    const product = await api.post(
      '/products',
      { sku, name: `Kettle ${sku}`, price: { amount: 2500, currency: 'USD' }, stock: 3 },
      { token: admin.body.accessToken },
    );
    expect(product.status).toBe(201);
    const email = `corr-${randomUUID().slice(0, 8)}@example.com`;
    expect((await api.post('/auth/register', { email, password: 'correct horse battery', name: 'Corr' })).status).toBe(201);
    const buyer = (await api.post('/auth/login', { email, password: 'correct horse battery' })).body.accessToken as string;

    const requestId = `e2e-${randomUUID()}`;
    const headers = { 'x-request-id': requestId };
    const order = await api.post('/orders', { items: [{ productId: product.body.id, quantity: 1 }] }, { token: buyer, headers });
    expect(order.status).toBe(201);
    expect(order.headers.get('x-request-id')).toBe(requestId);
    const payment = await api.post('/payments', { orderId: order.body.id, paymentMethod: 'pm_card_visa' }, { token: buyer, headers });
    expect(payment.status).toBe(201);
    expect(payment.headers.get('x-request-id')).toBe(requestId);

    // The payment's event leaves through the payments outbox after the answer; ordering takes it under the same id.
    // Each process writes its lines on its own time, so every check waits for them rather than reading once.
    await untilPasses(
      () => {
        expect(linesMentioning(topology, 'ordering', requestId).map((line) => line.json?.msg)).toContain('event payments.payment.succeeded handled');
        for (const processName of PROCESSES) {
          const lines = linesMentioning(topology, processName, requestId);
          expect({ processName, mentions: lines.length > 0 }).toEqual({ processName, mentions: true });
          for (const line of lines) {
            expect({ processName, line: line.raw, correlationId: line.json?.correlationId }).toEqual({ processName, line: line.raw, correlationId: requestId });
            expect(line.raw.match(/"correlationId"/g)).toHaveLength(1);
          }
        }
        // Each context logged handling the messages of the request, not just a passing mention.
        for (const processName of ['users', 'catalog', 'ordering', 'payments']) {
          expect({ processName, handled: linesMentioning(topology, processName, requestId).some((line) => typeof line.json?.pattern === 'string') }).toEqual({
            processName,
            handled: true,
          });
        }
      },
      30_000,
      100,
    );
  });
});
