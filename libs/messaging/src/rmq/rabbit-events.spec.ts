import { Logger } from '@nestjs/common';
import { GATEWAY, USERS_EVENTS, type EventConsumer } from '@tessera/contracts';
import { connect as connectAmqp, type Channel, type ConfirmChannel, type Message } from 'amqplib';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  rabbitConnectionsNamed,
  rabbitQueuesNamed,
  rabbitQueuesOwnedBy,
  rabbitUserScopedTo,
  removeRabbitNamespace,
  TEST_RABBITMQ_URL,
  testNamespace,
} from '../../../../test/harness/brokers';
import { untilPasses } from '../../../../test/harness/eventually';
import { createTestDatabase } from '../../../../test/harness/postgres';
import { describeWith } from '../../../../test/harness/services';
import { suiteFolder } from '../../../../test/harness/suite-folder';
import type { WireEnvelope } from '../correlation/correlation.envelope';
import type { EventHandoff } from '../events/broker-event.server';
import { runWithCorrelation } from '../correlation/correlation.store';
import { messagingTablesSql } from '../persistence/messaging-tables.sql';
import { BrokerNames, EVENT_RETRY_DELAYS_MS } from '../transports/broker-names';
import type { RabbitEventQueueType } from './event-queue-type';
import { RabbitEvents, retryDelayFor } from './rabbit-events';

jest.setTimeout(30_000);

/** More than a consumer's prefetch (32), so that a stop finds events taken from the queue and not yet handled. */
const EVENTS = 48;
const HANDLING_MS = 15;
/** More failing events than a consumer's prefetch (32), each of which once held a place in it for its whole pause. */
const FAILING = 40;
/** Longer than the pause before the first new channel after the broker closed one (ChannelReopener). */
const LONGER_THAN_A_FIRST_PAUSE_MS = 3000;
/** A delivery tag no channel ever handed out: acknowledging it is a protocol error, for which the broker closes the channel. */
const UNKNOWN_DELIVERY_TAG = 1_000_000;
/** A pause far longer than it takes to close a channel and set a new one up: the retry still waits when that is done. */
const OUTLASTING_A_NEW_CHANNEL_MS = 15_000;
/** The pause the killed consumer's failed event asks for: its copy comes back after the event itself. */
const RETRY_PAUSE_MS = 5000;
/** The pause the failing events ask for: longer than a case lasts, so that they are all still waiting at its end. */
const FAILING_PAUSE_MS = 60_000;

type Probe = { eventId: string; failing?: boolean };

/** A handler's failure that asks for the event again after `retryAfterMs`, as EventDeliveryRule's does. */
const notYet = (retryAfterMs: number) => Object.assign(new Error('not processed yet'), { details: { retryAfterMs } });

describe('retryDelayFor', () => {
  it('waits the shortest retry delay at least as long as the pause asked for, or the longest', () => {
    expect([0, 1000, 1001, 2000, 4999, 16_000, 60_000, 600_000].map(retryDelayFor)).toEqual([1000, 1000, 2000, 2000, 5000, 30_000, 60_000, 60_000]);
  });
});

describeWith(['rmq'])('RabbitEvents on a real RabbitMQ', () => {
  const namespace = testNamespace('rabbit-events');
  const names = new BrokerNames(namespace);
  const namespaces = [namespace];
  const opened: RabbitEvents[] = [];

  const open = (on = names, url = TEST_RABBITMQ_URL) => {
    const events = new RabbitEvents([url], on, `rabbit-events-spec-${opened.length}`);
    opened.push(events);
    return events;
  };

  /** Names of their own, for a case whose events must not meet another's. */
  const freshNames = () => {
    const fresh = testNamespace('rabbit-events');
    namespaces.push(fresh);
    return new BrokerNames(fresh);
  };

  /** Runs `body` with a publisher while a consumer, on names of their own, hands `consumer`'s events to `handle`; then stops it. */
  const whileConsuming = async (
    consumer: EventConsumer,
    handle: EventHandoff,
    body: (publisher: RabbitEvents, on: BrokerNames) => Promise<void>,
    on = freshNames(),
    url = TEST_RABBITMQ_URL,
  ) => {
    const publisher = open(on, url);
    const stop = await open(on, url).consume(consumer, handle);
    try {
      await body(publisher, on);
    } finally {
      await stop();
    }
  };

  beforeAll(() => Logger.overrideLogger(false));

  afterAll(async () => {
    await Promise.all(opened.map((events) => events.close()));
    for (const each of namespaces) await removeRabbitNamespace(each);
    Logger.overrideLogger(true);
  });

  const consumers: [string, EventConsumer][] = [
    ['a context', 'ordering'],
    ['a gateway process', GATEWAY],
  ];

  it.each(consumers)(
    '%s takes a healthy event published behind more failing events than it prefetches, while those wait out their pause',
    async (_, consumer) => {
      const failures: string[] = [];
      const handled: string[] = [];
      const handle: EventHandoff = async (_pattern, payload) => {
        const { eventId, failing } = (payload as WireEnvelope<Probe>).$data;
        if (failing) {
          failures.push(eventId);
          throw notYet(FAILING_PAUSE_MS);
        }
        handled.push(eventId);
      };
      await whileConsuming(consumer, handle, async (publisher) => {
        const failing = Array.from({ length: FAILING }, () => randomUUID());
        for (const eventId of failing) await publisher.deliver(consumer, USERS_EVENTS.USER_DEACTIVATED, { eventId, failing: true });
        const healthy = randomUUID();
        await publisher.deliver(consumer, USERS_EVENTS.USER_DEACTIVATED, { eventId: healthy });

        await untilPasses(() => expect(handled).toEqual([healthy]), 20_000);
        // Each failed once, and none is back yet: they wait their pause out of the consumer's way.
        expect([...failures].sort()).toEqual([...failing].sort());
      });
    },
  );

  it.each(consumers)('%s gets a failed event again, marked redelivered and as it was published, until its handler recovers', async (_, consumer) => {
    const FAILURES = 3;
    const deliveries: { pattern: string; payload: unknown; redelivered: boolean }[] = [];
    const handle: EventHandoff = async (pattern, payload, redelivered) => {
      deliveries.push({ pattern, payload, redelivered });
      // No pause asked for: every retry goes through the same, shortest, retry queue.
      if (deliveries.length <= FAILURES) throw notYet(0);
    };
    await whileConsuming(consumer, handle, async (publisher) => {
      const eventId = randomUUID();
      await runWithCorrelation('req-retried-event', () => publisher.deliver(consumer, USERS_EVENTS.USER_DEACTIVATED, { eventId }));

      await untilPasses(() => expect(deliveries).toHaveLength(FAILURES + 1), 20_000, 50);
      const published = { pattern: USERS_EVENTS.USER_DEACTIVATED, payload: { $data: { eventId }, $meta: { correlationId: 'req-retried-event' } } };
      expect(deliveries).toEqual([{ ...published, redelivered: false }, ...Array.from({ length: FAILURES }, () => ({ ...published, redelivered: true }))]);
    });
  });

  it.each(consumers)('%s retries a failed event with a user allowed its namespace only, as an operator scopes one', async (_, consumer) => {
    const deliveries: boolean[] = [];
    const handle: EventHandoff = async (_pattern, _payload, redelivered) => {
      deliveries.push(redelivered);
      if (deliveries.length === 1) throw notYet(0);
    };
    const on = freshNames();
    const user = await rabbitUserScopedTo(on.namespace);
    try {
      await whileConsuming(
        consumer,
        handle,
        async (publisher) => {
          await publisher.deliver(consumer, USERS_EVENTS.USER_DEACTIVATED, { eventId: randomUUID() });
          await untilPasses(() => expect(deliveries).toEqual([false, true]), 20_000);
        },
        on,
        user.url,
      );
    } finally {
      await user.remove();
    }
  });

  it("keeps a context's events in quorum queues when asked, its retries dead-lettered at least once, and a failed event comes back through them", async () => {
    const on = freshNames();
    const deliveries: boolean[] = [];
    const handle: EventHandoff = async (_pattern, _payload, redelivered) => {
      deliveries.push(redelivered);
      if (deliveries.length === 1) throw notYet(0);
    };
    const publisher = new RabbitEvents([TEST_RABBITMQ_URL], on, 'rabbit-events-spec-quorum-publisher', 'quorum');
    opened.push(publisher);
    const consumer = new RabbitEvents([TEST_RABBITMQ_URL], on, 'rabbit-events-spec-quorum-consumer', 'quorum');
    opened.push(consumer);
    const stopConsuming = await consumer.consume('ordering', handle);
    try {
      await publisher.deliver('ordering', USERS_EVENTS.USER_DEACTIVATED, { eventId: randomUUID() });
      await untilPasses(() => expect(deliveries).toEqual([false, true]), 20_000);
    } finally {
      await stopConsuming();
    }

    const queues = await rabbitQueuesNamed(`${on.namespace}.`);
    expect(queues.find((queue) => queue.name === on.eventQueue('ordering'))?.type).toBe('quorum');
    const retryQueues = EVENT_RETRY_DELAYS_MS.map((delayMs) => queues.find((queue) => queue.name === on.eventRetryQueue('ordering', delayMs)));
    for (const retryQueue of retryQueues) {
      expect(retryQueue?.type).toBe('quorum');
      expect(retryQueue?.arguments).toContain('at-least-once');
      expect(retryQueue?.arguments).toContain('reject-publish');
    }
  });

  it("keeps a context's failed event in a retry queue while it waits, persistent, with its id, pattern and envelope", async () => {
    const failures: string[] = [];
    const handle: EventHandoff = async (_pattern, payload) => {
      failures.push((payload as WireEnvelope<Probe>).$data.eventId);
      throw notYet(FAILING_PAUSE_MS);
    };
    await whileConsuming('ordering', handle, async (publisher, on) => {
      const eventId = randomUUID();
      await publisher.deliver('ordering', USERS_EVENTS.USER_DEACTIVATED, { eventId });
      await untilPasses(() => expect(failures).toEqual([eventId]));

      const retryQueue = on.eventRetryQueue('ordering', retryDelayFor(FAILING_PAUSE_MS));
      const waiting = await untilTaken(() => onBroker((channel) => channel.get(retryQueue, { noAck: true })));
      expect(waiting.properties).toMatchObject({
        messageId: eventId,
        deliveryMode: 2,
        contentType: 'application/json',
        headers: { pattern: USERS_EVENTS.USER_DEACTIVATED },
      });
      expect(JSON.parse(waiting.content.toString('utf8'))).toEqual({ $data: { eventId }, $meta: {} });
    });
  });

  it('gets a failed event again when its retry queue was deleted by hand meanwhile, held for its pause as before there were any', async () => {
    const deliveries: boolean[] = [];
    const handle: EventHandoff = async (_pattern, _payload, redelivered) => {
      deliveries.push(redelivered);
      if (deliveries.length === 1) throw notYet(0);
    };
    await whileConsuming('ordering', handle, async (publisher, on) => {
      await onBroker((channel) => channel.deleteQueue(on.eventRetryQueue('ordering', retryDelayFor(0))));
      await publisher.deliver('ordering', USERS_EVENTS.USER_DEACTIVATED, { eventId: randomUUID() });

      await untilPasses(() => expect(deliveries).toEqual([false, true]), 10_000);
    });
  });

  it.each(consumers)(
    '%s takes the next event on a new channel once the broker closed the one it had (a retry copy sent to an exchange deleted by hand)',
    async (_, consumer) => {
      const handled: string[] = [];
      let failed = false;
      let deleted = false;
      const handle: EventHandoff = async (_pattern, payload) => {
        if (!failed) {
          failed = true;
          // The copy then goes to an exchange that is no more: the broker answers NOT_FOUND and closes the channel.
          await onBroker((channel) => channel.deleteExchange(exchangeOf(consumer)));
          deleted = true;
          throw notYet(0);
        }
        handled.push((payload as WireEnvelope<Probe>).$data.eventId);
      };
      let exchangeOf!: (consumer: EventConsumer) => string;
      await whileConsuming(consumer, handle, async (publisher, on) => {
        exchangeOf = (of) => (of === GATEWAY ? on.broadcastExchange : on.eventsExchange);
        const first = randomUUID();
        await publisher.deliver(consumer, USERS_EVENTS.USER_DEACTIVATED, { eventId: first });
        await untilPasses(() => expect(deleted).toBe(true), 20_000);
        // The event was in hand, unacknowledged, and comes back: a gateway's queue outlives the channel too.
        await untilPasses(() => expect(handled).toEqual([first]), 45_000, 100);

        const next = randomUUID();
        await untilPasses(
          async () => {
            await publisher.deliver(consumer, USERS_EVENTS.USER_DEACTIVATED, { eventId: next });
            await untilPasses(() => expect(handled).toContain(next), 2000);
          },
          45_000,
          200,
        );
      });
    },
    60_000,
  );

  it("keeps a gateway process's queue and retry queues on the new channel after the broker closed the one it had, and the retry waiting then comes back", async () => {
    const on = freshNames();
    const processName = `rabbit-events-spec-gateway-${randomUUID()}`;
    const consuming = new RabbitEvents([TEST_RABBITMQ_URL], on, processName);
    opened.push(consuming);
    // Every amqplib channel's consume, to have the consumer's channel: acknowledging on it is how a handler could make
    // the broker close that channel alone.
    const consumed = jest.spyOn(await onBroker(async (channel) => Object.getPrototypeOf(channel) as Channel), 'consume');
    const deliveries: boolean[] = [];
    const handle: EventHandoff = async (_pattern, _payload, redelivered) => {
      deliveries.push(redelivered);
      if (deliveries.length === 1) throw notYet(OUTLASTING_A_NEW_CHANNEL_MS);
    };
    const stop = await consuming.consume(GATEWAY, handle);
    try {
      const connections = await rabbitConnectionsNamed(processName);
      expect(connections).toHaveLength(1);
      const queuesOfTheProcess = () => rabbitQueuesOwnedBy(connections[0]);
      await open(on).deliver(GATEWAY, USERS_EVENTS.USER_DEACTIVATED, { eventId: randomUUID() });
      // The event failed, and its copy waits in a retry queue, the event itself acknowledged.
      await untilPasses(async () => expect((await queuesOfTheProcess()).map(({ ready }) => ready)).toContain(1), 20_000, 100);
      expect(deliveries).toEqual([false]);

      const channel = consumed.mock.contexts[0] as ConfirmChannel;
      channel.ack({ fields: { deliveryTag: UNKNOWN_DELIVERY_TAG } } as Message);

      await untilPasses(() => expect(consumed.mock.contexts).toHaveLength(2), 45_000, 100);
      await untilPasses(() => expect(deliveries).toEqual([false, true]), 45_000, 100);
      expect(await queuesOfTheProcess()).toHaveLength(1 + EVENT_RETRY_DELAYS_MS.length);
    } finally {
      consumed.mockRestore();
      await stop();
    }
  }, 90_000);

  it('publishes the next event on a new channel once the broker closed the one it had (the events exchange deleted by hand)', async () => {
    const handled: string[] = [];
    const handle: EventHandoff = async (_pattern, payload) => void handled.push((payload as WireEnvelope<Probe>).$data.eventId);
    await whileConsuming('ordering', handle, async (publisher, on) => {
      await publisher.deliver('ordering', USERS_EVENTS.USER_DEACTIVATED, { eventId: randomUUID() });
      await onBroker((channel) => channel.deleteExchange(on.eventsExchange));
      // Published to an exchange that is no more: the broker answers NOT_FOUND and closes the publisher's channel.
      await publisher.deliver('ordering', USERS_EVENTS.USER_DEACTIVATED, { eventId: randomUUID() }).catch(() => undefined);

      const next = randomUUID();
      await untilPasses(() => publisher.deliver('ordering', USERS_EVENTS.USER_DEACTIVATED, { eventId: next }), 45_000, 200);
      await untilPasses(() => expect(handled).toContain(next), 20_000);
    });
  }, 60_000);

  it("takes a context's next events again once its queue, deleted by hand while it consumed, is declared anew", async () => {
    const handled: string[] = [];
    const handle: EventHandoff = async (_pattern, payload) => void handled.push((payload as WireEnvelope<Probe>).$data.eventId);
    await whileConsuming('ordering', handle, async (publisher, on) => {
      const queue = on.eventQueue('ordering');
      // The broker cancels the consumer of a deleted queue and keeps its channel open: nothing more would come on it.
      await onBroker((channel) => channel.deleteQueue(queue));
      const consumersOfQueue = () =>
        onBroker(async (channel) => {
          // A queue not there yet closes the channel, which says so as an 'error' too.
          channel.on('error', () => undefined);
          return (await channel.checkQueue(queue)).consumerCount;
        });
      await untilPasses(async () => expect(await consumersOfQueue()).toBe(1), 45_000, 200);

      const next = randomUUID();
      await publisher.deliver('ordering', USERS_EVENTS.USER_DEACTIVATED, { eventId: next });
      await untilPasses(() => expect(handled).toEqual([next]), 20_000, 100);
    });
  }, 60_000);

  it("is not ready, naming the consumer, while the broker refuses its new channel's setup, and takes its events again once an operator mended it", async () => {
    const on = freshNames();
    const retryQueue = on.eventRetryQueue('ordering', retryDelayFor(0));
    const handled: string[] = [];
    let refusing = false;
    const handle: EventHandoff = async (_pattern, payload) => {
      if (!refusing) {
        refusing = true;
        // A retry queue declared otherwise by hand makes the new channel's setup refused; the copy sent to an
        // exchange that is no more makes the broker close the channel the consumer has.
        await onBroker(async (channel) => {
          await channel.deleteQueue(retryQueue);
          await channel.assertQueue(retryQueue, { durable: true, arguments: { 'x-message-ttl': 5000 } });
          await channel.deleteExchange(on.eventsExchange);
        });
        throw notYet(0);
      }
      handled.push((payload as WireEnvelope<Probe>).$data.eventId);
    };
    const consuming = open(on);
    const stop = await consuming.consume('ordering', handle);
    try {
      expect(consuming.lostChannels(0)).toEqual([]);
      const eventId = randomUUID();
      await open(on).deliver('ordering', USERS_EVENTS.USER_DEACTIVATED, { eventId });

      // Longer without a channel than the first pause before a new one: that one was refused too.
      await untilPasses(() => expect(consuming.lostChannels(LONGER_THAN_A_FIRST_PAUSE_MS)).toEqual([expect.stringMatching(/-ordering-events$/)]), 45_000, 100);
      await onBroker((channel) => channel.deleteQueue(retryQueue));

      await untilPasses(() => expect(handled).toEqual([eventId]), 45_000, 100);
      expect(consuming.lostChannels(0)).toEqual([]);
    } finally {
      await stop();
    }
  }, 60_000);

  it('leaves the next consumer the events a stopped one had not handled, and none of those it had', async () => {
    const publisher = open();
    const eventIds = Array.from({ length: EVENTS }, () => randomUUID());
    for (const eventId of eventIds) await publisher.deliver('ordering', 'ordering.probe.happened', { eventId });

    const handled: { by: string; eventId: string }[] = [];
    const handler = (by: string) => async (_pattern: string, payload: unknown) => {
      await new Promise((resolve) => setTimeout(resolve, HANDLING_MS));
      handled.push({ by, eventId: (payload as WireEnvelope<{ eventId: string }>).$data.eventId });
    };

    const stop = await open().consume('ordering', handler('first'));
    await untilPasses(() => expect(handled.length).toBeGreaterThanOrEqual(3));
    await stop();
    const handledBeforeStop = handled.length;
    expect(handledBeforeStop).toBeLessThan(EVENTS);

    const stopNext = await open().consume('ordering', handler('next'));
    try {
      await untilPasses(() => expect(handled.length).toBeGreaterThanOrEqual(EVENTS), 20_000);
    } finally {
      await stopNext();
    }
    // Stopped, the next consumer has finished what it had in hand and given back what it had not started: an event
    // the first one handled and the broker kept would be in the queue now, or handled twice above.
    expect((await onBroker((channel) => channel.checkQueue(names.eventQueue('ordering')))).messageCount).toBe(0);
    expect(handled.filter(({ by }) => by === 'first')).toHaveLength(handledBeforeStop);
    expect(handled.map(({ eventId }) => eventId).sort()).toEqual([...eventIds].sort());
  });
});

const QUEUE_TYPES: RabbitEventQueueType[] = ['classic', 'quorum'];

describeWith(['rmq', 'postgres'])("a RabbitMQ consumer killed between a failed event's retry copy and its acknowledgement", () => {
  describe.each(QUEUE_TYPES)('on %s event queues', (queueType) => {
    const names = new BrokerNames(testNamespace(`rabbit-events-kill-${queueType}`));
    const markersFolder = suiteFolder('tessera-retrying-');
    const running: ChildProcess[] = [];
    let database: { url: string; drop: () => Promise<void> };
    let publisher: RabbitEvents;

    const onDatabase = async <T>(query: (client: Client) => Promise<T>): Promise<T> => {
      const client = new Client({ connectionString: database.url });
      await client.connect();
      try {
        return await query(client);
      } finally {
        await client.end();
      }
    };

    /** test/harness/retrying-consumer.ts in a process of its own, once it takes events; `faultPoint`, where it dies. */
    const startConsumer = async (faultPoint?: string): Promise<{ child: ChildProcess; exited: Promise<NodeJS.Signals | null> }> => {
      const harness = join(__dirname, '..', '..', '..', '..', 'test', 'harness');
      const child = spawn(process.execPath, [join(harness, 'run-typescript.js'), join(harness, 'retrying-consumer.ts')], {
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'test',
          PROBE_RABBITMQ_URL: TEST_RABBITMQ_URL,
          PROBE_NAMESPACE: names.namespace,
          PROBE_DATABASE_URL: database.url,
          PROBE_DIR: markersFolder(),
          PROBE_PAUSE_MS: String(RETRY_PAUSE_MS),
          PROBE_QUEUE_TYPE: queueType,
          ...(faultPoint ? { TESSERA_FAULT_POINT: faultPoint } : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      running.push(child);
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      let output = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('listening')) resolve();
        });
        child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        void exited.then(() => reject(new Error(`The retrying consumer exited before it listened:\n${output}`)));
      });
      return { child, exited };
    };

    beforeAll(async () => {
      Logger.overrideLogger(false);
      database = await createTestDatabase();
      await onDatabase(async (client) => {
        await client.query('CREATE SCHEMA probe');
        for (const statement of messagingTablesSql('probe')) await client.query(statement);
        await client.query('CREATE TABLE probe.effects (event_id uuid NOT NULL, pid integer NOT NULL)');
      });
      publisher = new RabbitEvents([TEST_RABBITMQ_URL], names, `rabbit-events-kill-spec-${randomUUID()}`, queueType);
    }, 60_000);

    afterAll(async () => {
      running.forEach((child) => child.kill('SIGKILL'));
      await publisher?.close();
      await removeRabbitNamespace(names.namespace);
      await database?.drop();
      Logger.overrideLogger(true);
    }, 60_000);

    it('processes the event once: the event comes back at once, its copy after its pause, and the inbox drops the second', async () => {
      const eventId = randomUUID();
      const first = await startConsumer(`rmq-retry:after-copy:${USERS_EVENTS.USER_DEACTIVATED}`);
      await publisher.deliver('ordering', USERS_EVENTS.USER_DEACTIVATED, { eventId });
      let firstEnded: NodeJS.Signals | null | undefined;
      void first.exited.then((signal) => (firstEnded = signal));
      // Its handler failed, the copy was confirmed, and the process died before acknowledging the event.
      await untilPasses(() => expect(firstEnded).toBe('SIGKILL'), 60_000, 100);
      const markers = markersFolder();
      expect(existsSync(join(markers, `${eventId}.failed`))).toBe(true);

      const next = await startConsumer();
      const deliveries = join(markers, `${eventId}.deliveries`);
      const deliveredTo = () => readFileSync(deliveries, 'utf8').trim().split('\n').map(Number);
      // Once by the killed process, then twice by the next: the event given back, and its copy.
      await untilPasses(() => expect(deliveredTo()).toEqual([first.child.pid, next.child.pid, next.child.pid]), 60_000, 100);

      const effects = await onDatabase(async (client) => (await client.query('SELECT event_id, pid FROM probe.effects')).rows);
      expect(effects).toEqual([{ event_id: eventId, pid: next.child.pid }]);
      const waiting = await onBroker(async (channel) => {
        const queues = [names.eventQueue('ordering'), ...EVENT_RETRY_DELAYS_MS.map((delayMs) => names.eventRetryQueue('ordering', delayMs))];
        return Promise.all(queues.map(async (queue) => (await channel.checkQueue(queue)).messageCount));
      });
      expect(waiting.every((count) => count === 0)).toBe(true);
    }, 120_000);
  });
});

/** A look at a queue as an operator has it, over a connection of the spec's own. */
async function onBroker<T>(look: (channel: Channel) => Promise<T>): Promise<T> {
  const connection = await connectAmqp(TEST_RABBITMQ_URL);
  try {
    return await look(await connection.createChannel());
  } finally {
    await connection.close();
  }
}

/** The message `get` returns once there is one: the broker may confirm a copy a moment before a `get` on another connection sees it. */
async function untilTaken<T>(get: () => Promise<T | false>): Promise<T> {
  let taken: T | false = false;
  await untilPasses(async () => {
    taken = await get();
    expect(taken).not.toBe(false);
  });
  return taken as T;
}
