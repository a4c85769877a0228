import { ERROR_CODES, ORDERING_EVENTS, type EventConsumer, type IntegrationEventEnvelope } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';
import type { DataSource, EntityManager } from 'typeorm';
import type { RemoteEventDelivery } from '../events/remote-event-delivery';
import { InProcessBroker } from '../inproc/in-process.broker';
import { IntegrationEventPublisher } from '../integration-event.publisher';
import { createMessagingTestDatabase, messagingTestDatabases } from '../testing/messaging-test-database';
import { Inbox } from './inbox';
import { messagingTablesSql, messagingTablesUpgradeSql, outboxDeliveredToSql, outboxTraceContextSql } from './messaging-tables.sql';
import { Outbox } from './outbox';

/** An event with two subscribers (EVENT_SUBSCRIBERS): catalog and payments. */
const TWO_SUBSCRIBERS = ORDERING_EVENTS.ORDER_CANCELLED;
const AN_HOUR_MS = 3_600_000;

type Handler = (event: IntegrationEventEnvelope) => Promise<void>;

const takes: Handler = async () => undefined;

/** A subscriber whose handler fails, answering as the delivery rule does: the event is to come again after `retryAfterMs`. */
function failsAskingFor(retryAfterMs: number): Handler {
  return async () => {
    throw new DomainError(ERROR_CODES.EVENT_NOT_PROCESSED, 'could not process it yet', { retryAfterMs });
  };
}

/**
 * The subscribing contexts, as the transport reaches them in their own
 * processes: each hands what it is sent to its handler, and the delivery
 * ends as the handler does. Records the publication of every event each was handed.
 */
class SubscriberProcesses implements RemoteEventDelivery {
  readonly handed = new Map<EventConsumer, number[]>();

  constructor(readonly handlers: Partial<Record<EventConsumer, Handler>>) {}

  async deliver(subscriber: EventConsumer, _pattern: string, payload: object): Promise<void> {
    const event = payload as IntegrationEventEnvelope;
    this.handed.set(subscriber, [...(this.handed.get(subscriber) ?? []), event.publication!]);
    await this.handlers[subscriber]!(event);
  }
}

describe.each(messagingTestDatabases())('the outbox, an event with two subscribers, on the %s database', (kind) => {
  let dataSource: DataSource;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ dataSource, drop } = await createMessagingTestDatabase('probe', kind));
  }, 60_000);

  afterAll(() => drop?.());

  beforeEach(() => dataSource.query('TRUNCATE probe.outbox, probe.inbox'));

  function outboxTo(subscribers: SubscriberProcesses, schema = 'probe', leaseSeconds?: number): Outbox {
    return new Outbox(schema, dataSource, new IntegrationEventPublisher(new InProcessBroker(), [], subscribers, 'tcp'), leaseSeconds);
  }

  function committedEvent(outbox: Outbox, payload: object): Promise<EntityManager> {
    return dataSource.transaction(async (manager) => {
      await outbox.add(manager, TWO_SUBSCRIBERS, payload);
      return manager;
    });
  }

  /** The relay's next try, once the pause the last one asked for is over (or the lease of a publisher killed meanwhile). */
  async function nextTry(outbox: Outbox, schema = 'probe'): Promise<void> {
    await dataSource.query(`UPDATE "${schema}".outbox SET claimed_until = now() - interval '1 second' WHERE published_at IS NULL`);
    await outbox.publishPending();
  }

  async function rows(schema = 'probe'): Promise<{ delivered_to: string[]; published: boolean }[]> {
    return dataSource.query(`SELECT delivered_to, published_at IS NOT NULL AS published FROM "${schema}".outbox`);
  }

  it('sends it again to the subscriber that failed it only, and marks it published once that one takes it', async () => {
    const subscribers = new SubscriberProcesses({ catalog: takes, payments: failsAskingFor(AN_HOUR_MS) });
    const outbox = outboxTo(subscribers);
    outbox.flush(await committedEvent(outbox, { orderId: 'o-1' }));
    await outbox.publishPending();
    for (let tries = 0; tries < 3; tries++) await nextTry(outbox);

    expect(Object.fromEntries(subscribers.handed)).toEqual({ catalog: [1], payments: [1, 2, 3, 4] });
    expect(await rows()).toEqual([{ delivered_to: ['catalog'], published: false }]);

    subscribers.handlers.payments = takes;
    await nextTry(outbox);

    expect(Object.fromEntries(subscribers.handed)).toEqual({ catalog: [1], payments: [1, 2, 3, 4, 5] });
    expect(await rows()).toEqual([{ delivered_to: ['catalog'], published: true }]);
  });

  it('writes no subscriber down for an event every subscriber took at the first try', async () => {
    const subscribers = new SubscriberProcesses({ catalog: takes, payments: takes });
    const outbox = outboxTo(subscribers);
    outbox.flush(await committedEvent(outbox, { orderId: 'o-2' }));
    await outbox.publishPending();

    expect(Object.fromEntries(subscribers.handed)).toEqual({ catalog: [1], payments: [1] });
    expect(await rows()).toEqual([{ delivered_to: [], published: true }]);
  });

  it('waits before the next try for the longest pause a failing subscriber asked for', async () => {
    const subscribers = new SubscriberProcesses({ catalog: failsAskingFor(60_000), payments: failsAskingFor(AN_HOUR_MS) });
    const outbox = outboxTo(subscribers);
    outbox.flush(await committedEvent(outbox, { orderId: 'o-3' }));
    await outbox.publishPending();

    const [row] = await dataSource.query(`SELECT delivered_to, claimed_until > now() + interval '30 minutes' AS paused FROM probe.outbox`);
    expect(row).toEqual({ delivered_to: [], paused: true });
  });

  it('sends it again to a subscriber that took it when its publisher was killed before writing so, and that subscriber’s inbox drops it', async () => {
    const inbox = new Inbox('probe', dataSource);
    let processedByCatalog = 0;
    const catalogThroughItsInbox: Handler = async (event) => {
      await inbox.processOnce(event, 'catalog', async () => void processedByCatalog++);
    };
    let catalogTookIt!: () => void;
    let paymentsHandedIt!: () => void;
    let endTheTest!: (error: Error) => void;
    const halfway = Promise.all([new Promise<void>((resolve) => (catalogTookIt = resolve)), new Promise<void>((resolve) => (paymentsHandedIt = resolve))]);
    const beforeTheKill = new SubscriberProcesses({
      catalog: async (event) => {
        await catalogThroughItsInbox(event);
        catalogTookIt();
      },
      // The publisher is killed while payments handles the event, once catalog has taken it: nothing more of it runs.
      payments: () => {
        paymentsHandedIt();
        return new Promise<never>((_resolve, reject) => (endTheTest = reject));
      },
    });
    // A lease far longer than the test: the killed publisher renews nothing meanwhile, as a dead process would not.
    const killedPublisher = outboxTo(beforeTheKill, 'probe', 3600);
    killedPublisher.flush(await committedEvent(killedPublisher, { orderId: 'o-4' }));
    await halfway;

    const afterTheRestart = new SubscriberProcesses({ catalog: catalogThroughItsInbox, payments: takes });
    await nextTry(outboxTo(afterTheRestart));

    expect(Object.fromEntries(afterTheRestart.handed)).toEqual({ catalog: [2], payments: [2] });
    expect(processedByCatalog).toBe(1);
    expect(await rows()).toEqual([{ delivered_to: [], published: true }]);
    endTheTest(new Error('the test is over'));
    await killedPublisher.stop();
  });

  it('sends a row an earlier version left pending, which names no subscriber, to every subscriber once its migration ran', async () => {
    await dataSource.query('CREATE SCHEMA legacy');
    for (const sql of [...messagingTablesSql('legacy'), ...messagingTablesUpgradeSql('legacy'), ...outboxTraceContextSql('legacy')])
      await dataSource.query(sql);
    await dataSource.query(`INSERT INTO legacy.outbox (event_id, pattern, payload) VALUES (gen_random_uuid(), $1, '{"orderId":"o-5"}')`, [TWO_SUBSCRIBERS]);
    for (const sql of outboxDeliveredToSql('legacy')) await dataSource.query(sql);

    const subscribers = new SubscriberProcesses({ catalog: takes, payments: takes });
    await nextTry(outboxTo(subscribers, 'legacy'), 'legacy');

    expect(Object.fromEntries(subscribers.handed)).toEqual({ catalog: [1], payments: [1] });
    expect(await rows('legacy')).toEqual([{ delivered_to: [], published: true }]);
  });
});
