import { Logger } from '@nestjs/common';
import { NatsRequestJSONDeserializer } from '@nestjs/microservices/deserializers/nats-request-json.deserializer';
import { ERROR_CODES } from '@tessera/contracts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, JSONCodec, NatsConnection, StringCodec } from 'nats';
import { TEST_NATS_URL, testNamespace } from '../../../../test/harness/brokers';
import { untilPasses } from '../../../../test/harness/eventually';
import { PrivateNatsServer } from '../../../../test/harness/nats-server';
import { describeWith } from '../../../../test/harness/services';
import { CorrelatingDeserializer } from '../correlation/correlating.serializer';
import { BrokerNames } from '../transports/broker-names';
import { natsConnectionOptions } from './nats-connection-options';
import { NatsRequestServer } from './nats-request.server';
import { RefusedSubscriptions } from './refused-subscriptions';

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

describeWith(['nats'])("NatsRequestServer when the server's authorization is reloaded without its subscription", () => {
  const names = new BrokerNames(testNamespace('nats-refused-subscription'));
  const requests = names.requestWildcard('users');
  let configDir: string;
  let configFile: string;
  let nats: PrivateNatsServer;
  let server: NatsRequestServer | undefined;
  let caller: NatsConnection | undefined;

  /** The harness may do anything; the users process may subscribe to its requests unless `denied`. */
  const writeAuthorization = (denied: boolean) =>
    writeFileSync(
      configFile,
      `authorization {
  users = [
    { user: "harness", password: "harness-password" }
    { user: "users", password: "users-password", permissions: { publish: ">", subscribe: { allow: ">"${denied ? `, deny: "${requests}"` : ''} } } }
  ]
}
`,
    );

  beforeAll(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'tessera-nats-reload-'));
    configFile = join(configDir, 'nats-server.conf');
    writeAuthorization(false);
    nats = await PrivateNatsServer.start('refused-subscription', { configFile, environment: {}, user: 'harness', password: 'harness-password' });
  });

  afterAll(async () => {
    await caller?.close();
    await server?.close();
    await nats?.remove();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  it('is named for readiness while refused, and takes requests again once the authorization lets it, without a restart', async () => {
    const refused = new RefusedSubscriptions();
    server = new NatsRequestServer(
      ['users'],
      names,
      { ...natsConnectionOptions(nats.urlOf('users', 'users-password')), deserializer: new CorrelatingDeserializer(new NatsRequestJSONDeserializer()) },
      refused,
    );
    server.addHandler('users.echo', async (data: unknown) => data);
    const listening = server;
    await new Promise<void>((resolve, reject) => listening.listen((error?: unknown) => (error ? reject(error as Error) : resolve())));
    caller = await connect(natsConnectionOptions(nats.url));
    const connection = caller;
    const echo = async (n: number) =>
      json.decode(
        (await connection.request(names.requestSubject('users.echo'), json.encode({ pattern: 'users.echo', data: { n }, id: `n-${n}` }), { timeout: 2000 }))
          .data,
      );
    await expect(echo(1)).resolves.toMatchObject({ response: { n: 1 } });

    writeAuthorization(true);
    await nats.reload();
    await untilPasses(() => expect(refused.longerThan(0)).toEqual([`the subscription to ${requests} (permissions violation)`]), 10_000);
    // Nobody takes the context's requests meanwhile: NATS says so at once.
    await expect(echo(2)).rejects.toThrow(/503|no responders/i);
    // Still refused after the next attempts to subscribe again, it stays named since the first refusal.
    await untilPasses(() => expect(refused.longerThan(3000)).toEqual([`the subscription to ${requests} (permissions violation)`]), 15_000, 200);

    writeAuthorization(false);
    await nats.reload();
    // Subscribed again at its next attempt, a few seconds after the first refusals at most.
    await untilPasses(() => expect(refused.longerThan(0)).toEqual([]), 45_000, 200);
    await expect(echo(3)).resolves.toMatchObject({ response: { n: 3 } });
  }, 90_000);
});
