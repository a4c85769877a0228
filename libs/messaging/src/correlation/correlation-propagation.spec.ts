import { INestApplication, INestMicroservice, LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxy, ClientProxyFactory, EventPattern, MessagePattern, Payload, Transport } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { DomainError } from '@tessera/shared-kernel';
import { lastValueFrom } from 'rxjs';
import { ContextClient, contextClientToken } from '../context-client';
import { startContextServers } from '../context-servers';
import { IntegrationEventPublisher } from '../integration-event.publisher';
import { MessagesController } from '../messages-controller.decorator';
import { MessagingModule } from '../messaging.module';
import { TcpContextServer } from '../tcp/tcp-context.server';
import { topologyFromEnv } from '../topology/topology';
import { CorrelatingDeserializer, CorrelatingSerializer } from './correlating.serializer';
import { currentCorrelationId, runWithCorrelation } from './correlation.store';
import { untilPasses } from '../../../../test/harness/eventually';
import { freePort } from '../../../../test/harness/processes';

/** What was logged, and on behalf of which request. */
interface LoggedLine {
  level: string;
  message: unknown;
  correlationId?: string;
}

class RecordingLogger implements LoggerService {
  readonly lines: LoggedLine[] = [];

  private record(level: string, message: unknown): void {
    this.lines.push({ level, message, correlationId: currentCorrelationId() });
  }

  log(message: unknown) {
    this.record('log', message);
  }

  error(message: unknown) {
    this.record('error', message);
  }

  warn(message: unknown) {
    this.record('warn', message);
  }

  debug(message: unknown) {
    this.record('debug', message);
  }

  verbose(message: unknown) {
    this.record('verbose', message);
  }
}

const events: { event: unknown; correlationId?: string }[] = [];
let relay: { send(pattern: string, data: object): Promise<{ correlationId: string | null }> };

@MessagesController('payments')
class ProbeMessagesController {
  @MessagePattern('payments.whoami')
  async whoami() {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { correlationId: currentCorrelationId() ?? null };
  }

  @MessagePattern('payments.relay')
  async relay() {
    const next = await relay.send('payments.whoami', {});
    return { here: currentCorrelationId() ?? null, next: next.correlationId };
  }

  @MessagePattern('payments.refuse')
  refuse() {
    throw new DomainError('PROBE_REFUSED', 'Refused on purpose');
  }

  @MessagePattern('payments.crash')
  crash() {
    throw new Error('an unexpected failure');
  }

  @EventPattern('ordering.order.cancelled')
  cancelled(@Payload() event: unknown) {
    events.push({ event, correlationId: currentCorrelationId() });
  }
}

@Module({ controllers: [ProbeMessagesController] })
class ProbeModule {}

const handledLinesOf = (logger: RecordingLogger, pattern: string) => logger.lines.filter((line) => (line.message as { pattern?: string })?.pattern === pattern);

describe("correlation over Nest's own TCP client and server", () => {
  let server: INestMicroservice;
  let client: ClientProxy;
  let relayClient: ClientProxy;
  const logger = new RecordingLogger();

  beforeAll(async () => {
    const port = await freePort();
    server = await NestFactory.createMicroservice(ProbeModule, {
      strategy: new TcpContextServer({ host: '127.0.0.1', port, deserializer: new CorrelatingDeserializer() }),
      logger,
    });
    await server.listen();
    const tcpClient = () =>
      ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port, serializer: new CorrelatingSerializer() } });
    // Neither client is connected yet: the first sends below serialize only after the connection is made.
    client = tcpClient();
    relayClient = tcpClient();
    relay = { send: (pattern, data) => lastValueFrom(relayClient.send(pattern, data)) };
  });

  afterAll(async () => {
    await client?.close();
    await relayClient?.close();
    await server?.close();
  });

  beforeEach(() => {
    events.length = 0;
  });

  const send = <T>(pattern: string, data: object = {}) => lastValueFrom(client.send<T>(pattern, data));

  it('carries the sender’s id to the handler, for concurrent requests sent while the connection is still being made', async () => {
    const ids = ['tcp-1', 'tcp-2', 'tcp-3', 'tcp-4'];
    const replies = await Promise.all([...ids.map((id) => runWithCorrelation(id, () => send('payments.whoami'))), send('payments.whoami')]);
    expect(replies).toEqual([...ids.map((correlationId) => ({ correlationId })), { correlationId: null }]);
  });

  it('keeps the id on what a handler sends on, and on events', async () => {
    expect(await runWithCorrelation('tcp-relay', () => send('payments.relay'))).toEqual({ here: 'tcp-relay', next: 'tcp-relay' });
    await runWithCorrelation('tcp-event', () => lastValueFrom(client.emit('ordering.order.cancelled', { orderId: 'o-1' }), { defaultValue: undefined }));
    await untilPasses(() => expect(events).toEqual([{ event: { orderId: 'o-1' }, correlationId: 'tcp-event' }]));
  });

  it('logs one info line per handled message, with its pattern, transport, outcome and duration, under the request’s id', async () => {
    await runWithCorrelation('tcp-log', () => send('payments.whoami'));
    await runWithCorrelation('tcp-refused', () => send('payments.refuse').catch(() => undefined));
    await runWithCorrelation('tcp-crash', () => send('payments.crash').catch(() => undefined));
    expect(handledLinesOf(logger, 'payments.whoami')).toContainEqual({
      level: 'log',
      correlationId: 'tcp-log',
      message: expect.objectContaining({ kind: 'message', outcome: 'handled', durationMs: expect.any(Number), msg: 'message payments.whoami handled' }),
    });
    expect(handledLinesOf(logger, 'payments.refuse')).toEqual([
      expect.objectContaining({ level: 'log', correlationId: 'tcp-refused', message: expect.objectContaining({ outcome: 'failed: PROBE_REFUSED' }) }),
    ]);
    // The error filter's own line about the crash is written on the request's behalf too.
    expect(logger.lines).toContainEqual({ level: 'error', correlationId: 'tcp-crash', message: 'Unexpected failure handling payments.crash' });
  });
});

describe.each([
  ['in process', { TRANSPORT: 'inproc' }],
  ['over TCP', { TRANSPORT: 'tcp' }],
])('correlation through MessagingModule %s', (name, transportEnv) => {
  let apps: INestApplication[] = [];
  let caller: INestApplication;
  const logger = new RecordingLogger();

  async function startApp(env: NodeJS.ProcessEnv, role: Parameters<typeof topologyFromEnv>[1], withProbe: boolean): Promise<INestApplication> {
    // Catalog too, as the event below has subscribers in both; over TCP, its address is the probe's as well.
    const topology = topologyFromEnv(env, role, ['catalog', 'payments']);
    const moduleRef = await Test.createTestingModule({
      imports: [MessagingModule.forTopology(topology, ['catalog', 'payments']), ...(withProbe ? [ProbeModule] : [])],
    }).compile();
    const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger });
    await startContextServers(app);
    await app.init();
    apps.push(app);
    return app;
  }

  beforeAll(async () => {
    if (name === 'in process') {
      caller = await startApp(transportEnv, { kind: 'monolith' }, true);
    } else {
      const address = `127.0.0.1:${await freePort()}`;
      const env = { ...transportEnv, USERS_TCP_ADDRESS: address, CATALOG_TCP_ADDRESS: address, ORDERING_TCP_ADDRESS: address, PAYMENTS_TCP_ADDRESS: address };
      await startApp(env, { kind: 'context', context: 'payments' }, true);
      caller = await startApp(env, { kind: 'gateway' }, false);
    }
    const client = caller.get<ContextClient>(contextClientToken('payments'));
    relay = { send: (pattern, data) => client.send(pattern, data) };
  });

  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    apps = [];
  });

  beforeEach(() => {
    events.length = 0;
  });

  it('carries the id of the request a client sends for, and none when it sends for no request', async () => {
    const client = caller.get<ContextClient>(contextClientToken('payments'));
    const replies = await Promise.all([
      runWithCorrelation('ctx-1', () => client.send('payments.whoami', {})),
      runWithCorrelation('ctx-2', () => client.send('payments.relay', {})),
      client.send('payments.whoami', {}),
    ]);
    expect(replies).toEqual([{ correlationId: 'ctx-1' }, { here: 'ctx-2', next: 'ctx-2' }, { correlationId: null }]);
  });

  it('carries the id of the request that published an event to every subscriber', async () => {
    await runWithCorrelation('ctx-event', () => caller.get(IntegrationEventPublisher).publish('ordering.order.cancelled', { orderId: 'o-2' }));
    await untilPasses(() => {
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((received) => received.correlationId === 'ctx-event')).toBe(true);
    });
  });
});
