import { randomBytes, randomUUID } from 'node:crypto';
import { untilPasses } from '../harness/eventually';
import { Api } from '../harness/http';
import { OtlpReceiver, ReceivedSpan } from '../harness/otlp-receiver';
import { describeWith, RunningTopology, startMonolith, startSplit, startTcpSplit, TEST_ADMIN } from '../harness/topologies';

/** OTLP's span kinds. */
const SERVER = 2;
const CONSUMER = 5;
const PRODUCER = 4;

/** Each topology under test: how to start it exporting to a receiver, and which service a context's spans come from. */
const TOPOLOGIES: [
  string,
  (name: string, body: () => void) => void,
  (env: Record<string, string>) => Promise<RunningTopology>,
  (process: string) => string,
  string,
][] = [
  ['the monolith', describe, (env) => startMonolith('embedded', env), () => 'tessera-monolith', 'monolith'],
  ['the gateway and four contexts over TCP', describe, (env) => startTcpSplit('embedded', { env }), (process) => `tessera-${process}`, 'ordering'],
  [
    'the gateway and four contexts over NATS',
    describeWith(['nats']),
    (env) => startSplit('embedded', 'nats', { env }),
    (process) => `tessera-${process}`,
    'ordering',
  ],
  [
    'the gateway and four contexts over RabbitMQ',
    describeWith(['rmq']),
    (env) => startSplit('embedded', 'rmq', { env }),
    (process) => `tessera-${process}`,
    'ordering',
  ],
];

/** The one span of `spans` that `name` names, from `service`; fails the check when there is none. */
function spanOf(spans: ReceivedSpan[], name: string, service: string): ReceivedSpan {
  const found = spans.filter((span) => span.name === name);
  expect({ name, services: found.map((span) => span.service) }).toEqual({ name, services: expect.arrayContaining([service]) });
  return found.find((span) => span.service === service)!;
}

/**
 * A topology that `start` starts, before the describe's tests, exporting to a receiver of its own, both stopped after
 * them: the fields are set once the tests run.
 */
function exportingTo(start: (env: Record<string, string>) => Promise<RunningTopology>): { receiver: OtlpReceiver; topology: RunningTopology; api: Api } {
  const traced = {} as { receiver: OtlpReceiver; topology: RunningTopology; api: Api };
  beforeAll(async () => {
    traced.receiver = await OtlpReceiver.start();
    traced.topology = await start(traced.receiver.env);
    traced.api = await new Api(traced.topology.baseUrl).holdingToOpenApi();
  }, 120_000);
  afterAll(async () => {
    await traced.topology?.stop();
    await traced.receiver?.stop();
  }, 30_000);
  return traced;
}

/**
 * An order placed and paid by a new customer, both requests children of a client span of the test's: answers the
 * trace's id and that span's.
 */
async function placeAndPayInATrace(api: Api): Promise<{ traceId: string; clientSpanId: string }> {
  const admin = (await api.post('/auth/login', TEST_ADMIN)).body.accessToken as string;
  const sku = `TRC-${randomUUID().slice(0, 8)}`;
  const product = await api.post('/products', { sku, name: `Lamp ${sku}`, price: { amount: 1800, currency: 'USD' }, stock: 2 }, { token: admin });
  expect(product.status).toBe(201);
  const email = `trc-${randomUUID().slice(0, 8)}@example.com`;
  expect((await api.post('/auth/register', { email, password: 'correct horse battery', name: 'Tracer' })).status).toBe(201);
  const buyer = (await api.post('/auth/login', { email, password: 'correct horse battery' })).body.accessToken as string;

  // The client's own span: both requests are its children, as a browser's or a calling service's would be.
  const traceId = randomBytes(16).toString('hex');
  const clientSpanId = randomBytes(8).toString('hex');
  const headers = { traceparent: `00-${traceId}-${clientSpanId}-01` };
  const order = await api.post('/orders', { items: [{ productId: product.body.id, quantity: 1 }] }, { token: buyer, headers });
  expect(order.status).toBe(201);
  expect((await api.post('/payments', { orderId: order.body.id, paymentMethod: 'pm_card_visa' }, { token: buyer, headers })).status).toBe(201);
  return { traceId, clientSpanId };
}

/** Whether a span is one of the SQL a process ran (the pg instrumentation's), by either generation of its attributes. */
const isSqlSpan = (span: ReceivedSpan) => span.attributes['db.system'] === 'postgresql' || span.attributes['db.system.name'] === 'postgresql';

/** The spans of the trace `traceId` whose parent is not among them nor the client's span `clientSpanId`: none in one tree. */
function detached(spans: ReceivedSpan[], clientSpanId: string): string[] {
  const ids = new Set([clientSpanId, ...spans.map((span) => span.spanId)]);
  return spans.filter((span) => !ids.has(span.parentSpanId ?? '')).map((span) => `${span.service}: ${span.name}`);
}

describe.each(TOPOLOGIES)('one trace per order and payment, on %s', (_name, describeTopology, start, serviceOf, orderingProcess) => {
  describeTopology('with every process exporting to an OTLP receiver', () => {
    // Info, so that every handled message writes its line.
    const traced = exportingTo((env) => start({ ...env, LOG_LEVEL: 'info' }));

    it('continues the client’s trace through every context, the event that confirms the order included, and writes its ids in the logs', async () => {
      const { receiver, topology, api } = traced;
      const { traceId, clientSpanId } = await placeAndPayInATrace(api);

      // Each process exports on its own time, and the event that confirms the order is handled after the answer.
      await untilPasses(
        () => {
          const spans = receiver.trace(traceId);
          const front = serviceOf(topology.processes.monolith ? 'monolith' : 'gateway');
          for (const route of ['POST /orders', 'POST /payments']) {
            const http = spanOf(spans, route, front);
            expect({ route, kind: http.kind, parent: http.parentSpanId, template: http.attributes['http.route'] }).toEqual({
              route,
              kind: SERVER,
              parent: clientSpanId,
              template: route.split(' ')[1],
            });
          }
          for (const [pattern, context] of [
            ['ordering.place-order', 'ordering'],
            ['catalog.reserve-stock', 'catalog'],
            ['payments.pay-order', 'payments'],
            ['ordering.confirm-payment', 'ordering'],
          ]) {
            const handling = spanOf(spans, `process ${pattern}`, serviceOf(context));
            expect({ pattern, kind: handling.kind, destination: handling.attributes['messaging.destination.name'] }).toEqual({
              pattern,
              kind: SERVER,
              destination: pattern,
            });
          }
          const publication = spanOf(spans, 'publish ordering.order.confirmed', serviceOf('ordering'));
          const confirmed = spanOf(spans, 'process ordering.order.confirmed', serviceOf('catalog'));
          expect({ kind: publication.kind, operation: publication.attributes['messaging.operation'] }).toEqual({ kind: PRODUCER, operation: 'publish' });
          expect({ kind: confirmed.kind, parent: confirmed.parentSpanId }).toEqual({ kind: CONSUMER, parent: publication.spanId });
          // The SQL each context ran for the order is in it too.
          expect(spans.some(isSqlSpan)).toBe(true);
          // One tree: every span hangs from another span of the trace, or from the client's.
          expect(detached(spans, clientSpanId)).toEqual([]);
        },
        30_000,
        200,
      );

      // The lines a context wrote handling the order carry the trace they were written in, once the process wrote them.
      await untilPasses(
        () => {
          const lines = topology.processes[orderingProcess]
            .output()
            .split('\n')
            .filter((line) => line.includes('"ordering.place-order"'))
            .map((line) => JSON.parse(line) as Record<string, unknown>);
          expect(lines).toContainEqual(
            expect.objectContaining({ msg: 'message ordering.place-order handled', trace_id: traceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) }),
          );
          // The front process's lines of the request, its first one included.
          const front = topology.processes.monolith ?? topology.processes.gateway;
          const requestLines = front
            .output()
            .split('\n')
            .filter((line) => line.includes('"POST","url":"/orders"'))
            .map((line) => JSON.parse(line) as Record<string, unknown>);
          expect(requestLines).toContainEqual(expect.objectContaining({ msg: 'incoming request', trace_id: traceId }));
        },
        10_000,
        100,
      );
    }, 90_000);
  });
});

describe('a monolith told to load no pg instrumentation (OTEL_NODE_DISABLED_INSTRUMENTATIONS=pg)', () => {
  const traced = exportingTo((env) => startMonolith('embedded', { ...env, OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg' }));

  it('traces an order through every context with no span of its SQL', async () => {
    const { receiver, api } = traced;
    const { traceId, clientSpanId } = await placeAndPayInATrace(api);
    await untilPasses(
      () => {
        const spans = receiver.trace(traceId);
        // The last of the flow's spans, ended once the stock is committed: by then the rest of the trace was made.
        spanOf(spans, 'process ordering.order.confirmed', 'tessera-monolith');
        for (const name of ['POST /orders', 'POST /payments', 'process ordering.place-order', 'process catalog.reserve-stock', 'process payments.pay-order']) {
          spanOf(spans, name, 'tessera-monolith');
        }
        expect(spans.filter(isSqlSpan).map((span) => span.name)).toEqual([]);
        expect(detached(spans, clientSpanId)).toEqual([]);
      },
      30_000,
      200,
    );
  }, 90_000);
});
