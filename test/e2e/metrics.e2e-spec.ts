import { randomUUID } from 'node:crypto';
import { untilPasses } from '../harness/eventually';
import { Api } from '../harness/http';
import { metricsOf, sample } from '../harness/metrics';
import { RunningTopology, startMonolith, startTcpSplit, TEST_ADMIN } from '../harness/topologies';

/** Places and pays an order as a new customer, and makes one request the catalog refuses; answers the product. */
async function shop(api: Api): Promise<{ productId: string }> {
  const admin = (await api.post('/auth/login', TEST_ADMIN)).body.accessToken as string;
  const sku = `MET-${randomUUID().slice(0, 8)}`;
  const product = await api.post('/products', { sku, name: `Gauge ${sku}`, price: { amount: 1500, currency: 'USD' }, stock: 2 }, { token: admin });
  expect(product.status).toBe(201);
  expect((await api.get(`/products/${product.body.id}`)).status).toBe(200);
  const email = `met-${randomUUID().slice(0, 8)}@example.com`;
  expect((await api.post('/auth/register', { email, password: 'correct horse battery', name: 'Metric' })).status).toBe(201);
  const token = (await api.post('/auth/login', { email, password: 'correct horse battery' })).body.accessToken as string;
  const order = await api.post('/orders', { items: [{ productId: product.body.id, quantity: 1 }] }, { token });
  expect(order.status).toBe(201);
  expect((await api.post('/payments', { orderId: order.body.id, paymentMethod: 'pm_card_visa' }, { token })).status).toBe(201);
  expect((await api.post('/orders', { items: [{ productId: product.body.id, quantity: 5 }] }, { token })).status).toBe(409);
  return { productId: product.body.id };
}

describe('metrics of the monolith', () => {
  let topology: RunningTopology;

  beforeAll(async () => {
    topology = await startMonolith('embedded');
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
  }, 30_000);

  it('counts requests by route template, messages in process by pattern and outcome, and reports outboxes, dead letters and circuits', async () => {
    const { productId } = await shop(new Api(topology.baseUrl));

    await untilPasses(
      async () => {
        const metrics = await metricsOf(topology.processes.monolith.port);
        expect(
          sample(metrics, 'http_server_request_duration_seconds_count', { method: 'GET', route: '/products/:id', status_code: '200' }),
        ).toBeGreaterThanOrEqual(1);
        expect(sample(metrics, 'http_server_request_duration_seconds_count', { method: 'POST', route: '/orders', status_code: '409' })).toBeGreaterThanOrEqual(
          1,
        );
        expect(metrics).not.toContain(productId);
        expect(
          sample(metrics, 'messaging_request_duration_seconds_count', { pattern: 'catalog.get-product', transport: 'inproc', outcome: 'ok' }),
        ).toBeGreaterThanOrEqual(1);
        expect(
          sample(metrics, 'messaging_request_duration_seconds_count', { pattern: 'ordering.place-order', transport: 'inproc', outcome: 'refused' }),
        ).toBeGreaterThanOrEqual(1);
        expect(
          sample(metrics, 'messaging_handler_duration_seconds_count', { pattern: 'payments.pay-order', transport: 'inproc', outcome: 'ok' }),
        ).toBeGreaterThanOrEqual(1);
        expect(
          sample(metrics, 'messaging_handler_duration_seconds_bucket', { pattern: 'payments.pay-order', transport: 'inproc', outcome: 'ok', le: '0.0001' }),
        ).toBeDefined();
        expect(
          sample(metrics, 'messaging_events_processed_total', { pattern: 'payments.payment.succeeded', consumer: 'ordering', outcome: 'processed' }),
        ).toBeGreaterThanOrEqual(1);
        for (const context of ['users', 'catalog', 'ordering', 'payments']) {
          expect({ context, pending: sample(metrics, 'outbox_pending_events', { context }) }).toEqual({ context, pending: expect.any(Number) });
          expect({ context, age: sample(metrics, 'outbox_oldest_pending_age_seconds', { context }) }).toEqual({ context, age: expect.any(Number) });
          expect({ context, dead: sample(metrics, 'dead_letters', { context }) }).toEqual({ context, dead: 0 });
          expect({ context, open: sample(metrics, 'circuit_breaker_open', { context }) }).toEqual({ context, open: 0 });
        }
        expect(sample(metrics, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      },
      20_000,
      200,
    );
  }, 60_000);
});

describe('metrics of the gateway and the four contexts over TCP', () => {
  let topology: RunningTopology;

  beforeAll(async () => {
    topology = await startTcpSplit('embedded');
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
  }, 30_000);

  it('measures a request on both sides of TCP, each process reporting its own, and shows the circuit to a stopped context open', async () => {
    const api = await new Api(topology.baseUrl).holdingToOpenApi();
    await shop(api);

    await untilPasses(
      async () => {
        const gateway = await metricsOf(topology.processes.gateway.port);
        expect(
          sample(gateway, 'http_server_request_duration_seconds_count', { method: 'POST', route: '/payments', status_code: '201' }),
        ).toBeGreaterThanOrEqual(1);
        expect(
          sample(gateway, 'messaging_request_duration_seconds_count', { pattern: 'catalog.get-product', transport: 'tcp', outcome: 'ok' }),
        ).toBeGreaterThanOrEqual(1);
        expect(sample(gateway, 'circuit_breaker_open', { context: 'payments' })).toBe(0);

        const catalog = await metricsOf(topology.processes.catalog.port);
        expect(
          sample(catalog, 'messaging_handler_duration_seconds_count', { pattern: 'catalog.get-product', transport: 'tcp', outcome: 'ok' }),
        ).toBeGreaterThanOrEqual(1);
        expect(
          sample(catalog, 'messaging_events_processed_total', { pattern: 'ordering.order.confirmed', consumer: 'catalog', outcome: 'processed' }),
        ).toBeGreaterThanOrEqual(1);
        expect(sample(catalog, 'outbox_pending_events', { context: 'catalog' })).toEqual(expect.any(Number));
        expect(sample(catalog, 'outbox_pending_events', { context: 'ordering' })).toBeUndefined();

        const ordering = await metricsOf(topology.processes.ordering.port);
        expect(
          sample(ordering, 'messaging_request_duration_seconds_count', { pattern: 'catalog.reserve-stock', transport: 'tcp', outcome: 'ok' }),
        ).toBeGreaterThanOrEqual(1);
        expect(
          sample(ordering, 'messaging_handler_duration_seconds_count', { pattern: 'ordering.confirm-payment', transport: 'tcp', outcome: 'ok' }),
        ).toBeGreaterThanOrEqual(1);
      },
      20_000,
      200,
    );

    await topology.processes.payments.stop();
    const admin = (await api.post('/auth/login', TEST_ADMIN)).body.accessToken as string;
    await untilPasses(
      async () => {
        expect((await api.get(`/payments/${randomUUID()}`, { token: admin })).status).toBe(503);
        expect(sample(await metricsOf(topology.processes.gateway.port), 'circuit_breaker_open', { context: 'payments' })).toBe(1);
      },
      30_000,
      50,
    );
    const gateway = await metricsOf(topology.processes.gateway.port);
    expect(
      sample(gateway, 'messaging_request_duration_seconds_count', { pattern: 'payments.get-payment', transport: 'tcp', outcome: 'unavailable' }),
    ).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
