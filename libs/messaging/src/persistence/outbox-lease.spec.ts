import { ORDERING_EVENTS } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';
import { setTimeout as delay } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { createMessagingTestDatabase } from '../testing/messaging-test-database';
import { describeWith } from '../../../../test/harness/services';
import type { IntegrationEventPublisher } from '../integration-event.publisher';
import { Outbox, outboxLeaseSeconds } from './outbox';

/** An event somebody consumes (EVENT_SUBSCRIBERS), so that the outbox relays it. */
const CONSUMED = ORDERING_EVENTS.ORDER_CANCELLED;
/** Short enough for a delivery to outlast it within a test. */
const LEASE_SECONDS = 1;

describe('the outbox lease', () => {
  it('lasts 15 s unless a crash test asks for less', () => {
    expect(outboxLeaseSeconds({})).toBe(15);
    expect(outboxLeaseSeconds({ NODE_ENV: 'test', TESSERA_OUTBOX_LEASE_SECONDS: '5' })).toBe(5);
  });

  it('keeps 15 s in production whatever the crash tests would ask, and for what is not a number of seconds', () => {
    expect(outboxLeaseSeconds({ NODE_ENV: 'production', TESSERA_OUTBOX_LEASE_SECONDS: '5' })).toBe(15);
    for (const value of ['', '0', '-3', '2.5', 'soon']) expect(outboxLeaseSeconds({ TESSERA_OUTBOX_LEASE_SECONDS: value })).toBe(15);
  });
});

function publisherOf(publish: (pattern: string, payload: Record<string, unknown>) => Promise<void>): IntegrationEventPublisher {
  return { publish } as unknown as IntegrationEventPublisher;
}

describeWith(['postgres'])('the outbox lease while a relay publishes', () => {
  let drop: () => Promise<void>;
  let dataSource: DataSource;

  beforeAll(async () => {
    ({ dataSource, drop } = await createMessagingTestDatabase('probe'));
  });

  afterAll(() => drop?.());

  beforeEach(() => dataSource.query('TRUNCATE probe.outbox'));

  /** Events a writer committed and was killed before publishing, whose lease has run out: the relay's to take. */
  async function orphaned(count: number): Promise<void> {
    const writer = new Outbox(
      'probe',
      dataSource,
      publisherOf(async () => undefined),
      LEASE_SECONDS,
    );
    await dataSource.transaction(async (manager) => {
      for (let n = 0; n < count; n++) await writer.add(manager, CONSUMED, { n });
    });
    await dataSource.query(`UPDATE probe.outbox SET claimed_until = now() - interval '1 second'`);
  }

  /** Until the database's clock has passed the end of the lease the batch was claimed with, however long that takes. */
  async function untilPast(claimedUntil: Date, meanwhile: () => Promise<void>): Promise<void> {
    for (;;) {
      await meanwhile();
      const [{ over }] = await dataSource.query('SELECT now() > $1 AS over', [claimedUntil]);
      if (over) return;
      await delay(50);
    }
  }

  it('keeps the lease of a batch whose delivery outlasts it, so that no other relay publishes any of its events again', async () => {
    await orphaned(3);
    const published: unknown[] = [];
    const other = new Outbox(
      'probe',
      dataSource,
      publisherOf(async (_pattern, payload) => void published.push(payload.n)),
      LEASE_SECONDS,
    );
    const slow = publisherOf(async (_pattern, payload) => {
      if (payload.n === 0) {
        const [{ until }] = await dataSource.query('SELECT min(claimed_until) AS until FROM probe.outbox');
        // The first delivery outlasts the lease the batch was claimed with, while another relay looks for work.
        await untilPast(until, () => other.publishPending());
        await other.publishPending();
      }
      published.push(payload.n);
    });

    await new Outbox('probe', dataSource, slow, LEASE_SECONDS).publishPending();

    expect(published.sort()).toEqual([0, 1, 2]);
    expect(await dataSource.query('SELECT count(*)::int AS unpublished FROM probe.outbox WHERE published_at IS NULL')).toEqual([{ unpublished: 0 }]);
  });

  it('leaves alone the lease of a relay that took an event over, when the one that lost it fails to deliver it', async () => {
    await orphaned(1);
    const anHour = 3_600_000;
    const other = new Outbox(
      'probe',
      dataSource,
      publisherOf(async () => {
        throw new DomainError('EVENT_NOT_PROCESSED', 'not yet', { retryAfterMs: anHour });
      }),
      LEASE_SECONDS,
    );
    const stalled = publisherOf(async () => {
      // This relay stalled past its lease: another one took the event over, failed it, and asked for an hour's pause.
      await dataSource.query(`UPDATE probe.outbox SET claimed_until = now() - interval '1 second'`);
      await other.publishPending();
      throw new DomainError('EVENT_NOT_PROCESSED', 'not now', { retryAfterMs: 0 });
    });

    await new Outbox('probe', dataSource, stalled, LEASE_SECONDS).publishPending();

    const [row] = await dataSource.query(`SELECT attempts, claimed_until > now() + interval '30 minutes' AS paused FROM probe.outbox`);
    expect(row).toEqual({ attempts: 3, paused: true });
  });
});
