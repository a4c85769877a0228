import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { connect, JetStreamManager, NatsConnection, nanos, RetentionPolicy, StorageType } from 'nats';
import { removeNatsNamespace, TEST_NATS_URL, testNamespace } from '../../../../test/harness/brokers';
import { untilPasses } from '../../../../test/harness/eventually';
import { describeWith } from '../../../../test/harness/services';
import { TcpProxy } from '../../../../test/harness/tcp-proxy';
import { GATEWAY } from '@tessera/contracts';
import { consumingContexts } from '../events/event-routes';
import { BrokerNames } from '../transports/broker-names';
import { JetStreamEvents, startsWaitAgain } from './jetstream-events';
import { natsConnectionOptions } from './nats-connection-options';

jest.setTimeout(30_000);

describe('startsWaitAgain', () => {
  const now = Date.parse('2026-12-06T12:00:00.000Z');
  const storedMsAgo = (ms: number) => (now - ms) * 1e6;

  it('leaves the ack wait of an event stored a moment ago as its delivery started it', () => {
    expect(startsWaitAgain(storedMsAgo(0), now)).toBe(false);
    expect(startsWaitAgain(storedMsAgo(900), now)).toBe(false);
  });

  it('restarts it for an event that waited: behind others in the buffer, for its consumer, or to be delivered again', () => {
    expect(startsWaitAgain(storedMsAgo(1500), now)).toBe(true);
    expect(startsWaitAgain(storedMsAgo(3_600_000), now)).toBe(true);
  });
});

describeWith(['nats'])('JetStreamEvents on a real NATS', () => {
  const namespaces: string[] = [];
  const opened: JetStreamEvents[] = [];
  let admin: NatsConnection;
  let manager: JetStreamManager;

  const open = (label: string, url = TEST_NATS_URL) => {
    const namespace = testNamespace(label);
    namespaces.push(namespace);
    const names = new BrokerNames(namespace);
    const events = new JetStreamEvents([url], names, `jetstream-events-spec-${label}`, names.natsInboxPrefix(label));
    opened.push(events);
    return { names, events };
  };
  const anEvent = () => ({ eventId: randomUUID() });

  beforeAll(async () => {
    Logger.overrideLogger(false);
    admin = await connect(natsConnectionOptions(TEST_NATS_URL));
    manager = await admin.jetstreamManager();
  });

  afterAll(async () => {
    await Promise.all(opened.map((events) => events.close()));
    await admin?.close();
    for (const namespace of namespaces) await removeNatsNamespace(namespace);
    Logger.overrideLogger(true);
  });

  it('lifts the age limit of an events stream an earlier version declared with one, keeping what it holds', async () => {
    const { names, events } = open('stream-update');
    const subjects = [`${names.namespace}.events.>`];
    await manager.streams.add({
      name: names.eventsStream,
      subjects,
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      max_age: nanos(7 * 24 * 3600 * 1000),
      duplicate_window: nanos(2 * 60 * 1000),
    });
    const js = admin.jetstream();
    await js.publish(names.eventSubject('ordering', 'ordering.probe.happened'), new TextEncoder().encode(JSON.stringify(anEvent())));

    await events.deliver('ordering', 'ordering.probe.happened', anEvent());

    const { config, state } = await manager.streams.info(names.eventsStream);
    expect(config).toMatchObject({ max_age: 0, retention: RetentionPolicy.Workqueue, subjects });
    expect(state.messages).toBe(2);
  });

  /** Runs `body` with a JetStreamEvents that reaches the server through a proxy the test partitions; closes both after. */
  async function throughAPartition(label: string, body: (events: JetStreamEvents, partition: TcpProxy) => Promise<void>): Promise<void> {
    const partition = await TcpProxy.to(TEST_NATS_URL);
    try {
      const { events } = open(label, partition.urlThrough(TEST_NATS_URL));
      expect(await events.isConnected()).toBe(true);
      await body(events, partition);
    } finally {
      await partition.restore();
      await Promise.all(opened.splice(-1).map((events) => events.close()));
      await partition.cut();
    }
  }

  it('says it is not connected while the server does not answer over a connection that stays open, and connected once it answers', () =>
    throughAPartition('partition', async (events, partition) => {
      // Nothing closes the connection: the client counts it up until its own pings go unanswered.
      partition.hang();
      expect(await events.isConnected()).toBe(false);
      expect(await events.isConnected()).toBe(false);

      await partition.restore();
      await untilPasses(async () => expect(await events.isConnected()).toBe(true), 10_000);
    }));

  it(
    'connects again when the server comes back at an address whose old connections lead nowhere',
    () =>
      throughAPartition('host-gone', async (events, partition) => {
        partition.hang();
        expect(await events.isConnected()).toBe(false);

        // The server's host replaced: nothing ever closes the old connection, and a new one would be served.
        partition.abandon();

        await untilPasses(async () => expect(await events.isConnected()).toBe(true), 40_000, 500);
      }),
    60_000,
  );

  it('declares the streams and every consumer again when the server comes back without its JetStream state', async () => {
    const { names, events } = open('redeclare');
    await events.deliver('ordering', 'ordering.probe.happened', anEvent());
    await manager.streams.delete(names.eventsStream);
    await manager.streams.delete(names.broadcastStream);
    // The client's view of a server that restarted with an empty store: its connection drops and comes back.
    const connection = await (events as unknown as { connection: Promise<NatsConnection> }).connection;
    await connection.reconnect();

    await untilPasses(async () => {
      await expect(manager.streams.info(names.broadcastStream)).resolves.toBeDefined();
      for (const context of consumingContexts()) await expect(manager.consumers.info(names.eventsStream, context)).resolves.toBeDefined();
    }, 10_000);
    await events.deliver('ordering', 'ordering.probe.happened', anEvent());
    expect((await manager.consumers.info(names.eventsStream, 'ordering')).num_pending).toBe(1);
  });

  it.each([
    ['a context', 'ordering' as const],
    ['a gateway', GATEWAY],
  ])(
    'goes on handing %s its events after the server comes back without its JetStream state',
    async (_name, consumer) => {
      const { names, events } = open(`resume-${consumer}`);
      const handed: string[] = [];
      const stop = await events.consume(consumer, async (_pattern, payload) => void handed.push((payload as { $data: { eventId: string } }).$data.eventId));
      try {
        const before = anEvent();
        await events.deliver(consumer, 'catalog.probe.happened', before);
        await untilPasses(() => expect(handed).toEqual([before.eventId]));
        await manager.streams.delete(consumer === GATEWAY ? names.broadcastStream : names.eventsStream);
        const connection = await (events as unknown as { connection: Promise<NatsConnection> }).connection;
        await connection.reconnect();
        await untilPasses(() => expect(manager.streams.info(consumer === GATEWAY ? names.broadcastStream : names.eventsStream)).resolves.toBeDefined(), 10_000);

        const after = anEvent();
        await events.deliver(consumer, 'catalog.probe.happened', after);
        await untilPasses(() => expect(handed).toEqual([before.eventId, after.eventId]), 90_000, 100);
      } finally {
        await stop();
      }
    },
    120_000,
  );
});
