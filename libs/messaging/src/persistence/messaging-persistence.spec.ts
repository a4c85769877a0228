import { ORDERING_EVENTS } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';
import { DataSource, DataSourceOptions } from 'typeorm';
import { createMessagingTestDatabase } from '../testing/messaging-test-database';
import { InProcessBroker } from '../inproc/in-process.broker';
import { IntegrationEventPublisher } from '../integration-event.publisher';
import { errorOutcome, IdempotencyStore, resultOutcome } from './idempotency.store';
import { AtomicStatement } from './atomic-statement';
import { DeadLetters } from './dead-letters';
import { Inbox } from './inbox';
import { MessagingRetention } from './messaging-retention';
import { createRetentionIndexesConcurrently } from './messaging-tables.sql';
import { Outbox } from './outbox';
import { describeWith } from '../../../../test/harness/services';

/** An event somebody consumes (EVENT_SUBSCRIBERS), so that the outbox relays it. */
const CONSUMED = ORDERING_EVENTS.ORDER_CANCELLED;

/** A publisher that records what reaches it, and can be told to fail, as an unreachable subscriber would. */
class RecordingPublisher extends IntegrationEventPublisher {
  readonly published: { pattern: string; payload: Record<string, unknown> }[] = [];
  failing = false;

  constructor() {
    super(new InProcessBroker(), []);
  }

  override async publish<T extends object>(pattern: string, payload: T): Promise<void> {
    if (this.failing) throw new Error('subscriber unreachable');
    this.published.push({ pattern, payload: payload as Record<string, unknown> });
  }
}

// The outbox, inbox and idempotency SQL against a real server; the embedded database cannot load inside jest.
describeWith(['postgres'])('outbox, inbox and idempotency keys on Postgres', () => {
  let drop: () => Promise<void>;
  let dataSource: DataSource;

  beforeAll(async () => {
    ({ dataSource, drop } = await createMessagingTestDatabase('probe'));
  });

  afterAll(() => drop?.());

  describe('outbox', () => {
    it('publishes an event if and only if its transaction commits, with an id and a time, right after the commit', async () => {
      const publisher = new RecordingPublisher();
      const outbox = new Outbox('probe', dataSource, publisher);
      const committed = await dataSource.transaction(async (manager) => {
        await outbox.add(manager, CONSUMED, { thingId: 'kept' });
        return manager;
      });
      await dataSource
        .transaction(async (manager) => {
          await outbox.add(manager, CONSUMED, { thingId: 'rolled-back' });
          throw new Error('the change failed');
        })
        .catch(() => undefined);
      outbox.flush(committed);
      await outbox.publishPending();
      expect(publisher.published.map((event) => event.payload.thingId)).toEqual(['kept']);
      expect(publisher.published[0].payload).toEqual({
        thingId: 'kept',
        eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        occurredAt: expect.any(String),
        version: 1,
        publication: 1,
      });
      const [row] = await dataSource.query(`SELECT published_at, claimed_until FROM probe.outbox WHERE payload->>'thingId' = 'kept'`);
      expect(row).toEqual({ published_at: expect.any(Date), claimed_until: null });
      await outbox.publishPending();
      expect(publisher.published).toHaveLength(1);
    });

    it('leaves an event its writer committed but never published to the relay, once the lease the write took has run out', async () => {
      await dataSource.query('UPDATE probe.outbox SET published_at = now()');
      const publisher = new RecordingPublisher();
      const outbox = new Outbox('probe', dataSource, publisher);
      // Written, committed, and never flushed: the writer was killed right after its commit.
      await dataSource.transaction((manager) => new Outbox('probe', dataSource, new RecordingPublisher()).add(manager, CONSUMED, { thingId: 'orphaned' }));

      await outbox.publishPending();
      expect(publisher.published).toEqual([]);

      await dataSource.query(`UPDATE probe.outbox SET claimed_until = now() - interval '1 second' WHERE published_at IS NULL`);
      await outbox.publishPending();
      expect(publisher.published.map((event) => event.payload.thingId)).toEqual(['orphaned']);
    });

    it('stores an event nobody consumes as published, so that no relay round is spent on it', async () => {
      const publisher = new RecordingPublisher();
      const outbox = new Outbox('probe', dataSource, publisher);
      const committed = await dataSource.transaction(async (manager) => {
        await outbox.add(manager, 'probe.nobody.listens', { thingId: 'recorded' });
        return manager;
      });
      outbox.flush(committed);
      await outbox.publishPending();

      expect(publisher.published.map((event) => event.payload.thingId)).not.toContain('recorded');
      const [row] = await dataSource.query(`SELECT published_at FROM probe.outbox WHERE payload->>'thingId' = 'recorded'`);
      expect(row.published_at).toBeInstanceOf(Date);
    });

    it('keeps an event that could not be delivered and delivers it later, with the same id', async () => {
      await dataSource.query('UPDATE probe.outbox SET published_at = now()');
      const publisher = new RecordingPublisher();
      const outbox = new Outbox('probe', dataSource, publisher);
      const committed = await dataSource.transaction(async (manager) => {
        await outbox.add(manager, CONSUMED, { thingId: 'late' });
        return manager;
      });
      publisher.failing = true;
      outbox.flush(committed);
      await outbox.publishPending();
      publisher.failing = false;
      await dataSource.query("UPDATE probe.outbox SET claimed_until = now() - interval '1 second' WHERE published_at IS NULL");
      await outbox.publishPending();
      expect(publisher.published.map((event) => [event.payload.thingId, event.payload.publication])).toEqual([['late', 2]]);
    });

    it('lets several relays share the pending events, each published once', async () => {
      await dataSource.query('UPDATE probe.outbox SET published_at = now()');
      const writer = new Outbox('probe', dataSource, new RecordingPublisher());
      await dataSource.transaction(async (manager) => {
        for (let i = 0; i < 250; i++) await writer.add(manager, CONSUMED, { n: i });
      });
      // The writer died without publishing them, and the lease its write took has run out.
      await dataSource.query(`UPDATE probe.outbox SET claimed_until = now() - interval '1 second' WHERE published_at IS NULL`);
      const publishers = [new RecordingPublisher(), new RecordingPublisher(), new RecordingPublisher()];
      await Promise.all(publishers.map((publisher) => new Outbox('probe', dataSource, publisher).publishPending()));
      const all = publishers.flatMap((publisher) => publisher.published.map((event) => event.payload.n));
      expect(all).toHaveLength(250);
      expect(new Set(all).size).toBe(250);
    });
  });

  describe('inbox', () => {
    const event = (eventId: string) => ({ eventId, occurredAt: new Date().toISOString(), version: 1 });

    it('processes an event once per consumer however often it arrives', async () => {
      const inbox = new Inbox('probe', dataSource);
      let runs = 0;
      const work = async () => {
        runs += 1;
      };
      const id = '00000000-0000-4000-8000-000000000001';
      const outcomes = await Promise.all([
        inbox.processOnce(event(id), 'a', work),
        inbox.processOnce(event(id), 'a', work),
        inbox.processOnce(event(id), 'b', work),
      ]);
      expect(runs).toBe(2);
      expect(outcomes.filter(Boolean)).toHaveLength(2);
    });

    it('forgets an event whose work failed, so a redelivery processes it', async () => {
      const inbox = new Inbox('probe', dataSource);
      const id = '00000000-0000-4000-8000-000000000002';
      await expect(inbox.processOnce(event(id), 'a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      await expect(inbox.processOnce(event(id), 'a', async () => undefined)).resolves.toBeDefined();
    });
  });

  describe('idempotency keys', () => {
    const userId = '00000000-0000-4000-8000-0000000000aa';
    const scope = (key: string) => ({ userId, key, operation: 'place-order' });
    const resource = (n: number) => `00000000-0000-4000-8000-00000000010${n}`;
    const claim = async (store: IdempotencyStore, key: string, request: unknown, resourceId: string) => {
      const statement = new AtomicStatement();
      const claimed = store.claimIn(statement, scope(key), request, resourceId);
      const [row] = await statement.run<{ claimed: number }>(dataSource, `SELECT count(*)::int AS claimed FROM ${claimed}`);
      return row.claimed === 1;
    };

    it('knows nothing of a new key, and claims it once', async () => {
      const store = new IdempotencyStore('probe', dataSource);
      expect(await store.replay(scope('k1'), { items: [1] })).toBeUndefined();
      expect(await claim(store, 'k1', { items: [1] }, resource(1))).toBe(true);
      expect(await claim(store, 'k1', { items: [1] }, resource(2))).toBe(false);
    });

    it('answers IDEMPOTENCY_KEY_IN_USE with when to ask again until the outcome is recorded, then replays it', async () => {
      const store = new IdempotencyStore('probe', dataSource);
      await claim(store, 'k2', { items: [1] }, resource(2));
      await expect(store.replay(scope('k2'), { items: [1] })).rejects.toMatchObject({
        code: 'IDEMPOTENCY_KEY_IN_USE',
        details: { retryAfterSeconds: expect.any(Number) },
      });
      await store.record(resource(2), resultOutcome({ id: 'order-2' }));
      expect(await store.replay(scope('k2'), { items: [1] })).toEqual({ value: { id: 'order-2' } });
      await expect(store.replay(scope('k2'), { items: [2] })).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    });

    it('answers a key whose first request ends meanwhile with that answer, not IDEMPOTENCY_KEY_IN_USE', async () => {
      const store = new IdempotencyStore('probe', dataSource);
      await claim(store, 'k7', { items: [1] }, resource(7));

      const retried = store.replay(scope('k7'), { items: [1] });
      // The retry reads the key RUNNING before the first request records its answer.
      await new Promise((resolve) => setTimeout(resolve, 0));
      await store.record(resource(7), resultOutcome({ id: 'order-7' }));

      await expect(retried).resolves.toEqual({ value: { id: 'order-7' } });
    });

    it('replays a recorded refusal with its details', async () => {
      const store = new IdempotencyStore('probe', dataSource);
      await claim(store, 'k3', {}, resource(3));
      await store.record(resource(3), errorOutcome(new DomainError('PAYMENT_DECLINED', 'no', { paymentId: 'p1' })));
      await expect(store.replay(scope('k3'), {})).rejects.toMatchObject({ code: 'PAYMENT_DECLINED', details: { paymentId: 'p1' } });
    });

    it('claims only when the rest of its statement is written', async () => {
      const store = new IdempotencyStore('probe', dataSource);
      const statement = new AtomicStatement();
      const claimed = store.claimIn(statement, scope('k4'), {}, resource(4));
      // A write that breaks a constraint (pattern is NOT NULL): the whole statement, the claim with it, is refused.
      statement.with(`INSERT INTO probe.outbox (event_id, pattern, payload) SELECT gen_random_uuid(), NULL, '{}' FROM ${claimed} RETURNING position`);
      await expect(statement.run(dataSource, 'SELECT 1')).rejects.toThrow(/null value/);
      expect(await store.replay(scope('k4'), {})).toBeUndefined();
    });

    it('forgets an unresolved key, so that a retry runs as new, but never a resolved one', async () => {
      const store = new IdempotencyStore('probe', dataSource);
      await claim(store, 'k5', {}, resource(5));
      await store.forget(resource(5));
      expect(await store.replay(scope('k5'), {})).toBeUndefined();
      await claim(store, 'k6', {}, resource(6));
      await store.record(resource(6), resultOutcome('kept'));
      await store.forget(resource(6));
      expect(await store.replay(scope('k6'), {})).toEqual({ value: 'kept' });
    });
  });

  describe('retention', () => {
    const now = new Date('2030-06-01T12:00:00.000Z');
    const hoursBefore = (hours: number) => new Date(now.getTime() - hours * 3600_000);

    it('removes published outbox rows, inbox rows and answered keys older than the retention, and keeps the rest', async () => {
      await dataSource.query('TRUNCATE probe.outbox, probe.inbox, probe.idempotency_keys');
      const outbox = (id: string, publishedAt: Date | null) =>
        dataSource.query(`INSERT INTO probe.outbox (event_id, pattern, payload, occurred_at, published_at) VALUES ($1, 'p', '{}', $2, $3)`, [
          id,
          hoursBefore(500),
          publishedAt,
        ]);
      await outbox('00000000-0000-4000-8000-000000000a01', hoursBefore(200));
      await outbox('00000000-0000-4000-8000-000000000a02', hoursBefore(100));
      await outbox('00000000-0000-4000-8000-000000000a03', null);
      const inbox = (id: string, at: Date) => dataSource.query(`INSERT INTO probe.inbox (event_id, consumer, processed_at) VALUES ($1, 'c', $2)`, [id, at]);
      await inbox('00000000-0000-4000-8000-000000000b01', hoursBefore(169));
      await inbox('00000000-0000-4000-8000-000000000b02', hoursBefore(167));
      const key = (key: string, state: string, at: Date) =>
        dataSource.query(`INSERT INTO probe.idempotency_keys (user_id, key, operation, request_hash, state, updated_at) VALUES ($1, $2, 'o', 'h', $3, $4)`, [
          '00000000-0000-4000-8000-0000000000aa',
          key,
          state,
          at,
        ]);
      await key('old-done', 'DONE', hoursBefore(300));
      await key('old-running', 'RUNNING', hoursBefore(300));
      await key('new-done', 'DONE', hoursBefore(1));

      const retention = new MessagingRetention('probe', dataSource, 168);
      expect(await retention.purge(now)).toEqual({ outbox: 1, inbox: 1, idempotencyKeys: 1 });
      expect(await retention.purge(now)).toEqual({ outbox: 0, inbox: 0, idempotencyKeys: 0 });

      expect((await dataSource.query('SELECT event_id FROM probe.outbox ORDER BY event_id')).map((row: { event_id: string }) => row.event_id)).toEqual([
        '00000000-0000-4000-8000-000000000a02',
        '00000000-0000-4000-8000-000000000a03',
      ]);
      expect((await dataSource.query('SELECT event_id FROM probe.inbox')).map((row: { event_id: string }) => row.event_id)).toEqual([
        '00000000-0000-4000-8000-000000000b02',
      ]);
      expect((await dataSource.query('SELECT key FROM probe.idempotency_keys ORDER BY key')).map((row: { key: string }) => row.key)).toEqual([
        'new-done',
        'old-running',
      ]);
    });

    it('keeps answered idempotency keys a day however short the retention, as API.md promises', async () => {
      const key = (key: string, at: Date) =>
        dataSource.query(
          `INSERT INTO probe.idempotency_keys (user_id, key, operation, request_hash, state, updated_at) VALUES ($1, $2, 'o', 'h', 'DONE', $3)`,
          ['00000000-0000-4000-8000-0000000000ab', key, at],
        );
      await key('two-hours', hoursBefore(2));
      await key('two-days', hoursBefore(48));

      await new MessagingRetention('probe', dataSource, 1).purge(now);

      expect(
        (await dataSource.query(`SELECT key FROM probe.idempotency_keys WHERE user_id = '00000000-0000-4000-8000-0000000000ab'`)).map(
          (row: { key: string }) => row.key,
        ),
      ).toEqual(['two-hours']);
    });

    it('finds the rows it removes by index instead of reading each table whole', async () => {
      await dataSource.query('TRUNCATE probe.outbox, probe.inbox, probe.idempotency_keys');
      // A week of rows, one a minute, so that the old ones are a few among many, as in a shop's tables.
      await dataSource.query(
        `INSERT INTO probe.outbox (event_id, pattern, payload, occurred_at, published_at)
         SELECT gen_random_uuid(), 'p', '{}', at, at FROM generate_series($1::timestamptz, $2, interval '1 minute') AS at`,
        [hoursBefore(170), now],
      );
      await dataSource.query(
        `INSERT INTO probe.inbox (event_id, consumer, processed_at)
         SELECT gen_random_uuid(), 'c', at FROM generate_series($1::timestamptz, $2, interval '1 minute') AS at`,
        [hoursBefore(170), now],
      );
      await dataSource.query(
        `INSERT INTO probe.idempotency_keys (user_id, key, operation, request_hash, state, created_at, updated_at)
         SELECT gen_random_uuid(), 'k', 'o', 'h', 'DONE', at, at FROM generate_series($1::timestamptz, $2, interval '1 minute') AS at`,
        [hoursBefore(170), now],
      );
      await dataSource.query('ANALYZE probe.outbox, probe.inbox, probe.idempotency_keys');
      // Tables this small are read whole more cheaply than through an index, so the planner is kept from it where it
      // has another way: with no index to find old rows by, a purge reads each table whole, as it did on tables of
      // millions of rows. Each statement the purge ran is then planned again as it ran.
      const ran: { query: string; parameters?: unknown[] }[] = [];
      const seqScanOff = await new DataSource({
        ...dataSource.options,
        extra: { max: 1, options: '-c enable_seqscan=off' },
        logging: ['query'],
        logger: {
          logQuery: (query: string, parameters?: unknown[]) => ran.push({ query, parameters }),
          logQueryError: () => undefined,
          logQuerySlow: () => undefined,
          logSchemaBuild: () => undefined,
          logMigration: () => undefined,
          log: () => undefined,
        },
      } as DataSourceOptions).initialize();
      try {
        expect(await new MessagingRetention('probe', seqScanOff, 168).purge(now)).toEqual({ outbox: 120, inbox: 120, idempotencyKeys: 120 });
        const purges = ran.filter(({ query }) => query.startsWith('DELETE'));
        expect(purges.map(({ query }) => query.match(/^DELETE FROM "probe"\.(\w+)/)?.[1])).toEqual(['outbox', 'inbox', 'idempotency_keys']);
        for (const { query, parameters } of purges) {
          const plan = ((await seqScanOff.query(`EXPLAIN ${query}`, parameters)) as { 'QUERY PLAN': string }[]).map((row) => row['QUERY PLAN']).join('\n');
          expect(plan).not.toContain('Seq Scan');
        }
      } finally {
        await seqScanOff.destroy();
      }
    }, 30_000);

    it('builds again an index that a start killed while building it left invalid', async () => {
      await dataSource.query('TRUNCATE probe.inbox');
      await dataSource.query('DROP INDEX probe.inbox_processed_at');
      await dataSource.query(`INSERT INTO probe.inbox (event_id, consumer, processed_at) VALUES (gen_random_uuid(), 'c', $1), (gen_random_uuid(), 'c', $1)`, [
        now,
      ]);
      // A concurrent build that fails leaves its index behind, invalid, as one killed midway does.
      await expect(dataSource.query('CREATE UNIQUE INDEX CONCURRENTLY inbox_processed_at ON probe.inbox (processed_at)')).rejects.toThrow();
      const index = async () =>
        (await dataSource.query(
          `SELECT i.indisvalid AS valid, i.indisunique AS unique FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'probe' AND c.relname = 'inbox_processed_at'`,
        )) as { valid: boolean; unique: boolean }[];
      expect(await index()).toEqual([{ valid: false, unique: true }]);

      await createRetentionIndexesConcurrently(dataSource, 'probe');

      expect(await index()).toEqual([{ valid: true, unique: false }]);
    });
  });

  describe('dead letters', () => {
    const event = (id: string) => ({ eventId: id, occurredAt: '2030-01-01T00:00:00.000Z', version: 1, orderId: 'o-1' });

    it('counts the failures of one event per consumer, makes it dead at the limit, and keeps what an operator needs', async () => {
      const deadLetters = new DeadLetters('probe', dataSource);
      const id = '00000000-0000-4000-8000-000000000d01';
      expect(await deadLetters.find(id, 'catalog')).toBeUndefined();
      expect(await deadLetters.recordFailure(event(id), 'ordering.order.cancelled', 'catalog', new Error('first'), 3)).toEqual({ attempts: 1, dead: false });
      expect(await deadLetters.recordFailure(event(id), 'ordering.order.cancelled', 'payments', new Error('other consumer'), 3)).toEqual({
        attempts: 1,
        dead: false,
      });
      expect(await deadLetters.recordFailure(event(id), 'ordering.order.cancelled', 'catalog', new Error('second'), 3)).toEqual({ attempts: 2, dead: false });
      expect(await deadLetters.recordFailure(event(id), 'ordering.order.cancelled', 'catalog', new TypeError('third'), 3)).toEqual({ attempts: 3, dead: true });
      expect(await deadLetters.find(id, 'catalog')).toEqual({ attempts: 3, dead: true });

      const [row] = await dataSource.query(
        `SELECT pattern, payload, last_error, first_failed_at <= last_failed_at AS ordered FROM probe.dead_letters WHERE event_id = $1 AND consumer = 'catalog'`,
        [id],
      );
      expect(row).toEqual({ pattern: 'ordering.order.cancelled', payload: event(id), last_error: 'TypeError: third', ordered: true });
    });

    it('counts an outage of what the handler needs in the attempts, never towards the limit of a dead letter', async () => {
      const deadLetters = new DeadLetters('probe', dataSource);
      const id = '00000000-0000-4000-8000-000000000d04';
      const unavailable = new Error('payments is unavailable');
      for (let outage = 1; outage <= 4; outage++) {
        expect(await deadLetters.recordFailure(event(id), 'p', 'ordering', unavailable, 2, true)).toEqual({ attempts: outage, dead: false });
      }
      expect(await deadLetters.recordFailure(event(id), 'p', 'ordering', new Error('its own'), 2)).toEqual({ attempts: 5, dead: false });
      expect(await deadLetters.recordFailure(event(id), 'p', 'ordering', new Error('its own'), 2)).toEqual({ attempts: 6, dead: true });
    });

    it('forgets the failures of a delivery that then succeeded, but never a dead letter', async () => {
      const deadLetters = new DeadLetters('probe', dataSource);
      const recovered = '00000000-0000-4000-8000-000000000d02';
      const dead = '00000000-0000-4000-8000-000000000d03';
      await deadLetters.recordFailure(event(recovered), 'p', 'catalog', new Error('once'), 3);
      await deadLetters.recordFailure(event(dead), 'p', 'catalog', new Error('always'), 1);
      await deadLetters.forget(recovered, 'catalog');
      await deadLetters.forget(dead, 'catalog');
      expect(await deadLetters.find(recovered, 'catalog')).toBeUndefined();
      expect(await deadLetters.find(dead, 'catalog')).toEqual({ attempts: 1, dead: true });
    });
  });
});
