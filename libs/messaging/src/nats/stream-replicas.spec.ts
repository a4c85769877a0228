import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { connect } from 'nats';
import { removeNatsNamespace, TEST_NATS_URL, testNamespace } from '../../../../test/harness/brokers';
import { untilPasses } from '../../../../test/harness/eventually';
import { PrivateNatsServer } from '../../../../test/harness/nats-server';
import { describeWith } from '../../../../test/harness/services';
import type { WireEnvelope } from '../correlation/correlation.envelope';
import { ConfigurationError } from '../startup/start-refusal';
import { BrokerNames } from '../transports/broker-names';
import { JetStreamEvents } from './jetstream-events';
import { natsConnectionOptions } from './nats-connection-options';
import { streamReplicasRefusal } from './stream-replicas';

jest.setTimeout(60_000);

const PATTERN = 'users.user.deactivated';
const anEvent = () => ({ eventId: randomUUID() });

describe('streamReplicasRefusal', () => {
  const jetStreamRefusal = (errCode: number, description: string) =>
    Object.assign(new Error(description), { api_error: { code: 500, err_code: errCode, description } });

  it('tells a server that is not clustered, and a cluster with fewer servers than the replicas, from any other failure', () => {
    expect(streamReplicasRefusal(jetStreamRefusal(10074, 'replicas > 1 not supported in non-clustered mode'), 3)?.message).toMatch(
      /^NATS_STREAM_REPLICAS=3 asks JetStream to keep every event on 3 servers, and the NATS server in NATS_URL is not part of a JetStream cluster: set NATS_STREAM_REPLICAS=1, or run a cluster/,
    );
    expect(streamReplicasRefusal(jetStreamRefusal(10023, 'insufficient resources'), 5)).toBeInstanceOf(ConfigurationError);
    expect(streamReplicasRefusal(jetStreamRefusal(10058, 'stream name already in use with a different configuration'), 3)).toBeUndefined();
    expect(streamReplicasRefusal(new Error('TIMEOUT'), 3)).toBeUndefined();
  });
});

describeWith(['nats'])('NATS_STREAM_REPLICAS on a NATS server that is not clustered', () => {
  const namespace = testNamespace('replicas-single');
  const names = new BrokerNames(namespace);
  const events = new JetStreamEvents([TEST_NATS_URL], names, 'stream-replicas-spec', names.natsInboxPrefix('replicas'), 3);

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(async () => {
    await events.close();
    await removeNatsNamespace(namespace);
    Logger.overrideLogger(true);
  });

  it('refuses the start of a consumer, and a publish, saying which setting to change', async () => {
    const consuming = events.consume('ordering', async () => undefined);
    await expect(consuming).rejects.toBeInstanceOf(ConfigurationError);
    await expect(consuming).rejects.toThrow(/NATS_STREAM_REPLICAS=3 .* not part of a JetStream cluster: set NATS_STREAM_REPLICAS=1/);
    await expect(events.deliver('ordering', PATTERN, anEvent())).rejects.toThrow(/NATS_STREAM_REPLICAS=3/);
  });
});

// Three nats-servers of the test's own, routed as one JetStream cluster: what NATS_STREAM_REPLICAS is for.
describeWith(['nats'])('events on a three-server JetStream cluster with NATS_STREAM_REPLICAS=3', () => {
  let cluster: PrivateNatsServer[] = [];
  const opened: JetStreamEvents[] = [];
  const names = new BrokerNames(testNamespace('replicas-cluster'));

  const eventsAt = (server: PrivateNatsServer, label: string) => {
    const events = new JetStreamEvents([server.url], names, `stream-replicas-spec-${label}`, names.natsInboxPrefix(label), 3);
    opened.push(events);
    return events;
  };

  beforeAll(async () => {
    Logger.overrideLogger(false);
    cluster = await PrivateNatsServer.startCluster('replicas', 3);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(opened.map((events) => events.close()));
    for (const server of cluster) await server.remove();
    Logger.overrideLogger(true);
  });

  it('scales the streams that processes of NATS_STREAM_REPLICAS=1 declared, keeping what they hold', async () => {
    const earlier = new BrokerNames(testNamespace('replicas-scaled'));
    const single = new JetStreamEvents([cluster[1].url], earlier, 'stream-replicas-spec-single', earlier.natsInboxPrefix('single'), 1);
    const replicated = new JetStreamEvents([cluster[2].url], earlier, 'stream-replicas-spec-replicated', earlier.natsInboxPrefix('replicated'), 3);
    opened.push(single, replicated);
    await single.deliver('ordering', PATTERN, anEvent());

    // While JetStream moves the stream to its new replicas a publish can find no stream leader (503), and the outbox
    // relay sends it again, as here; the event's id keeps a second copy out.
    const second = anEvent();
    await untilPasses(() => replicated.deliver('ordering', PATTERN, second), 20_000, 200);

    const admin = await connect(natsConnectionOptions(cluster[0].url));
    try {
      const manager = await admin.jetstreamManager();
      for (const stream of [earlier.eventsStream, earlier.broadcastStream]) expect((await manager.streams.info(stream)).config.num_replicas).toBe(3);
      expect((await manager.streams.info(earlier.eventsStream)).state.messages).toBe(2);
      await untilPasses(async () => expect((await manager.consumers.info(earlier.eventsStream, 'ordering')).cluster?.replicas).toHaveLength(2), 10_000, 200);
    } finally {
      await admin.close();
    }
  });

  it('keeps every event on three servers, and hands them all over while the server that led the stream is down', async () => {
    const publisher = eventsAt(cluster[0], 'publisher');
    const beforeTheLoss = Array.from({ length: 10 }, anEvent);
    for (const event of beforeTheLoss) await publisher.deliver('ordering', PATTERN, event);

    const admin = await connect(natsConnectionOptions(cluster[0].url));
    const manager = await admin.jetstreamManager();
    const stream = await manager.streams.info(names.eventsStream);
    // A context's consumer, which remembers what the context has taken, is kept on as many servers as its stream.
    const consumer = await manager.consumers.info(names.eventsStream, 'ordering');
    await admin.close();
    expect(stream.config.num_replicas).toBe(3);
    expect(stream.cluster?.replicas).toHaveLength(2);
    expect(consumer.cluster?.replicas).toHaveLength(2);
    expect(stream.state.messages).toBe(beforeTheLoss.length);

    // The leader goes, as a node of a cluster does: the other two elect another and keep the stream.
    const leader = cluster.find((server) => server.name === stream.cluster?.leader)!;
    await leader.stop('SIGKILL');
    const survivor = cluster.find((server) => server !== leader)!;
    const duringTheLoss = Array.from({ length: 10 }, anEvent);
    const secondPublisher = eventsAt(survivor, 'second-publisher');
    for (const event of duringTheLoss) await untilPasses(() => secondPublisher.deliver('ordering', PATTERN, event), 20_000);

    const handled = new Set<string>();
    const stop = await eventsAt(survivor, 'consumer').consume('ordering', async (_pattern, payload) => {
      handled.add((payload as WireEnvelope<{ eventId: string }>).$data.eventId);
    });
    try {
      await untilPasses(() => expect(handled).toEqual(new Set([...beforeTheLoss, ...duringTheLoss].map((event) => event.eventId))), 30_000);
    } finally {
      await stop();
    }
  });
});
