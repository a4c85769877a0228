import { INestApplication, Module } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { DomainError } from '@tessera/shared-kernel';
import { freePort } from '../../../../test/harness/processes';
import { untilPasses } from '../../../../test/harness/eventually';
import { ContextClient, contextClientToken } from '../context-client';
import { startContextServers } from '../context-servers';
import { toWire } from '../correlation/correlation.envelope';
import { IntegrationEventPublisher } from '../integration-event.publisher';
import { MessagesController } from '../messages-controller.decorator';
import { MessagingModule } from '../messaging.module';
import { recordSpans, RecordedSpans } from '../testing/recorded-spans';
import { topologyFromEnv } from '../topology/topology';

let relay: ContextClient;

@MessagesController('payments')
class TracedMessagesController {
  @MessagePattern('payments.whoami')
  whoami() {
    return { ok: true };
  }

  @MessagePattern('payments.relay')
  relay() {
    return relay.send('payments.whoami', {});
  }

  @MessagePattern('payments.refuse')
  refuse() {
    throw new DomainError('PROBE_REFUSED', 'Refused on purpose');
  }

  @MessagePattern('payments.crash')
  crash() {
    throw new Error('an unexpected failure');
  }

  @MessagePattern('payments.check-health')
  health() {
    return { status: 'up' };
  }

  @EventPattern('ordering.order.cancelled')
  cancelled(@Payload() _event: unknown) {}
}

/** The event's other subscriber, hosted beside payments. */
@MessagesController('catalog')
class CatalogSubscriber {
  @EventPattern('ordering.order.cancelled')
  cancelled(@Payload() _event: unknown) {}
}

@Module({ controllers: [TracedMessagesController, CatalogSubscriber] })
class TracedModule {}

let spans: RecordedSpans;

beforeAll(() => {
  spans = recordSpans();
});

afterAll(() => spans.stop());

beforeEach(() => spans.clear());

const traceOf = (span: ReadableSpan) => span.spanContext().traceId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

describe.each([
  ['in process', 'inproc', 'in_process'],
  ['over TCP', 'tcp', 'tcp'],
])('messaging spans %s', (_name, transport, system) => {
  const apps: INestApplication[] = [];
  let caller: INestApplication;

  async function startApp(env: NodeJS.ProcessEnv, role: Parameters<typeof topologyFromEnv>[1], withHandlers: boolean): Promise<INestApplication> {
    const topology = topologyFromEnv(env, role, ['catalog', 'payments']);
    const moduleRef = await Test.createTestingModule({
      imports: [MessagingModule.forTopology(topology, ['catalog', 'payments']), ...(withHandlers ? [TracedModule] : [])],
    }).compile();
    const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
    await startContextServers(app);
    await app.init();
    apps.push(app);
    return app;
  }

  beforeAll(async () => {
    if (transport === 'inproc') {
      caller = await startApp({ TRANSPORT: 'inproc' }, { kind: 'monolith' }, true);
    } else {
      const address = `127.0.0.1:${await freePort()}`;
      const env = {
        TRANSPORT: 'tcp',
        USERS_TCP_ADDRESS: address,
        CATALOG_TCP_ADDRESS: `127.0.0.1:${await freePort()}`,
        ORDERING_TCP_ADDRESS: address,
        PAYMENTS_TCP_ADDRESS: address,
        GATEWAY_TCP_ADDRESS: `127.0.0.1:${await freePort()}`,
      };
      // One process hosting payments and catalog, each on its port, and a gateway process that sends and publishes.
      await startApp({ ...env, CONTEXTS: 'catalog,payments', GATEWAY_TCP_ADDRESS: `127.0.0.1:${await freePort()}` }, { kind: 'monolith' }, true);
      caller = await startApp(env, { kind: 'gateway' }, false);
    }
    relay = caller.get<ContextClient>(contextClientToken('payments'));
  }, 30_000);

  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
  }, 30_000);

  it('makes a request one trace: the send, its handling, and what the handler sends in turn, each the child of the one before', async () => {
    await relay.send('payments.relay', {});
    await untilPasses(() => expect(spans.all()).toHaveLength(4));
    const outer = spans.named('send payments.relay');
    const handling = spans.named('process payments.relay');
    const inner = spans.named('send payments.whoami');
    const innerHandling = spans.named('process payments.whoami');
    expect(new Set([outer, handling, inner, innerHandling].map(traceOf)).size).toBe(1);
    expect(parentOf(handling)).toBe(idOf(outer));
    expect(parentOf(inner)).toBe(idOf(handling));
    expect(parentOf(innerHandling)).toBe(idOf(inner));
    expect([outer.kind, handling.kind]).toEqual([SpanKind.CLIENT, SpanKind.SERVER]);
    expect(handling.attributes).toMatchObject({ 'messaging.system': system, 'messaging.operation': 'process', 'messaging.destination.name': 'payments.relay' });
    expect(outer.attributes).toMatchObject({ 'messaging.system': system, 'messaging.operation': 'send', 'messaging.destination.name': 'payments.relay' });
  });

  it('continues the trace of the span that sends, as an HTTP request’s span would be', async () => {
    await trace.getTracer('spec').startActiveSpan('GET /probe', async (span) => {
      await relay.send('payments.whoami', {});
      span.end();
    });
    await untilPasses(() => expect(spans.all().map((span) => span.name)).toContain('process payments.whoami'));
    const http = spans.named('GET /probe');
    expect(traceOf(spans.named('process payments.whoami'))).toBe(traceOf(http));
    expect(parentOf(spans.named('send payments.whoami'))).toBe(idOf(http));
  });

  it('makes every subscriber’s handling of an event a child of its publication', async () => {
    await caller.get(IntegrationEventPublisher).publish('ordering.order.cancelled', { orderId: 'o-1', eventId: '7d1b1c52-1f0e-4a43-9c38-0d6f3f0e5a11' });
    await untilPasses(() => expect(spans.all().filter((span) => span.name === 'process ordering.order.cancelled')).toHaveLength(2));
    const publication = spans.named('publish ordering.order.cancelled');
    expect(publication.kind).toBe(SpanKind.PRODUCER);
    for (const handling of spans.all().filter((span) => span.name === 'process ordering.order.cancelled')) {
      expect(handling.kind).toBe(SpanKind.CONSUMER);
      expect(parentOf(handling)).toBe(idOf(publication));
      expect(handling.attributes['messaging.message.id']).toBe('7d1b1c52-1f0e-4a43-9c38-0d6f3f0e5a11');
    }
  });

  it('marks an unexpected failure as an error, and a refusal as an answer', async () => {
    await expect(relay.send('payments.refuse', {})).rejects.toMatchObject({ code: 'PROBE_REFUSED' });
    await expect(relay.send('payments.crash', {})).rejects.toMatchObject({ code: 'INTERNAL' });
    await untilPasses(() => expect(spans.all().filter((span) => span.name.startsWith('process '))).toHaveLength(2));
    expect(spans.named('process payments.refuse').status.code).not.toBe(SpanStatusCode.ERROR);
    expect(spans.named('process payments.refuse').attributes['tessera.outcome']).toBe('refused');
    expect(spans.named('process payments.crash').status.code).toBe(SpanStatusCode.ERROR);
    expect(spans.named('send payments.crash').status.code).toBe(SpanStatusCode.ERROR);
  });

  it('leaves health checks, asked every few seconds, out of the traces', async () => {
    await relay.send('payments.check-health', {});
    await relay.send('payments.whoami', {});
    await untilPasses(() => expect(spans.all().map((span) => span.name)).toContain('process payments.whoami'));
    expect(spans.all().map((span) => span.name)).not.toContain('process payments.check-health');
    expect(spans.all().map((span) => span.name)).not.toContain('send payments.check-health');
  });
});

describe('the wire envelope under tracing', () => {
  it('carries the W3C trace context of the span that sends, and none outside a span', () => {
    expect(toWire({ a: 1 }).$meta).toEqual({});
    trace.getTracer('spec').startActiveSpan('sending', (span) => {
      const { traceId, spanId } = span.spanContext();
      expect(toWire({ a: 1 }).$meta).toEqual({ traceparent: `00-${traceId}-${spanId}-01` });
      span.end();
    });
  });
});
