import { Logger } from '@nestjs/common';
import { NatsRequestJSONDeserializer } from '@nestjs/microservices/deserializers/nats-request-json.deserializer';
import { ERROR_CODES } from '@tessera/contracts';
import { connect, JSONCodec, NatsConnection, StringCodec } from 'nats';
import { TEST_NATS_URL, testNamespace } from '../../../../test/harness/brokers';
import { untilPasses } from '../../../../test/harness/eventually';
import { describeWith } from '../../../../test/harness/services';
import { CorrelatingDeserializer } from '../correlation/correlating.serializer';
import { BrokerNames } from '../transports/broker-names';
import { natsConnectionOptions } from './nats-connection-options';
import { NatsRequestServer } from './nats-request.server';

const json = JSONCodec<Record<string, unknown>>();
const text = StringCodec();

/** Requests held by `users.hold` until the test lets them go: how many began and ended, and what lets them go. */
type Holds = { begun: number; ended: number; release: () => void; released: Promise<void> };

function newHolds(): Holds {
  const holds = { begun: 0, ended: 0 } as Holds;
  holds.released = new Promise((resolve) => (holds.release = resolve));
  return holds;
}

/** A users server as the NATS topology makes it, with an echo and a request that waits for the test. */
async function startServer(names: BrokerNames, holds: () => Holds): Promise<NatsRequestServer> {
  const server = new NatsRequestServer(['users'], names, {
    ...natsConnectionOptions(TEST_NATS_URL),
    deserializer: new CorrelatingDeserializer(new NatsRequestJSONDeserializer()),
  });
  server.addHandler('users.echo', async (data: unknown) => data);
  server.addHandler('users.hold', async () => {
    const held = holds();
    held.begun++;
    await held.released;
    held.ended++;
    return { held: true };
  });
  await new Promise<void>((resolve, reject) => server.listen((error?: unknown) => (error ? reject(error as Error) : resolve())));
  return server;
}

describeWith(['nats'])('NatsRequestServer on a real NATS', () => {
  const names = new BrokerNames(testNamespace('nats-request-server'));
  const unhandled: unknown[] = [];
  const recordUnhandled = (reason: unknown) => unhandled.push(reason);
  let holds = newHolds();
  let server: NatsRequestServer;
  let publisher: NatsConnection;

  const ask = async (pattern: string, body: Uint8Array, timeout = 2000) =>
    json.decode((await publisher.request(names.requestSubject(pattern), body, { timeout })).data);
  const packet = (pattern: string, data: unknown, id: string) => json.encode({ pattern, data, id });

  beforeAll(async () => {
    // Without a listener Node ends the process on an unhandled rejection; with it, the rejection is counted instead.
    process.on('unhandledRejection', recordUnhandled);
    Logger.overrideLogger(false);
    server = await startServer(names, () => holds);
    publisher = await connect(natsConnectionOptions(TEST_NATS_URL));
  });

  afterAll(async () => {
    await publisher?.close();
    await server?.close();
    Logger.overrideLogger(true);
    process.off('unhandledRejection', recordUnhandled);
  });

  beforeEach(() => {
    unhandled.length = 0;
  });

  it('answers a request that is not JSON with VALIDATION_FAILED, drops one with no reply subject, and keeps answering', async () => {
    await expect(ask('users.echo', text.encode('{"pattern": "users.echo", not json'))).resolves.toEqual({
      err: { code: ERROR_CODES.VALIDATION_FAILED, message: 'The request is not a JSON message' },
      isDisposed: true,
    });
    publisher.publish(names.requestSubject('users.echo'), text.encode('junk nobody waits for'));
    await publisher.flush();

    await expect(ask('users.echo', packet('users.echo', { n: 1 }, 'after-junk'))).resolves.toEqual({
      response: { n: 1 },
      id: 'after-junk',
      isDisposed: true,
    });
    expect(unhandled).toEqual([]);
  });

  it('loses, without failing the process, the reply of a handler that outlasted its connection', async () => {
    holds = newHolds();
    const late = ask('users.hold', packet('users.hold', {}, 'late'), 1000);
    await untilPasses(() => expect(holds.begun).toBe(1));
    // What a stop does to a handler still running after the drain: the connection it would answer on is closed under it.
    await server.unwrap<NatsConnection>().close();
    holds.release();
    await expect(late).rejects.toThrow(/TIMEOUT/);
    expect(holds.ended).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);

    await server.close();
    server = await startServer(names, () => holds);
    await expect(ask('users.echo', packet('users.echo', { n: 2 }, 'after-restart'))).resolves.toMatchObject({ response: { n: 2 } });
  }, 30_000);

  it('answers a request sent the moment it says it listens, restart after restart', async () => {
    for (let restart = 0; restart < 5; restart++) {
      await server.close();
      server = await startServer(names, () => holds);
      await expect(ask('users.echo', packet('users.echo', { restart }, `restart-${restart}`))).resolves.toMatchObject({
        response: { restart },
      });
    }
    // Five stops and starts against a real broker, each waiting for its drain.
  }, 60_000);
});
