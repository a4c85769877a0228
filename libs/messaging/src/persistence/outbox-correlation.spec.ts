import { context, trace } from '@opentelemetry/api';
import { ORDERING_EVENTS } from '@tessera/contracts';
import { DataSource } from 'typeorm';
import { messagingTablesSql, messagingTablesUpgradeSql, outboxDeliveredToSql, outboxTraceContextSql } from './messaging-tables.sql';
import { createMessagingTestDatabase } from '../testing/messaging-test-database';
import { currentCorrelationId, runWithCorrelation } from '../correlation/correlation.store';
import type { IntegrationEventPublisher } from '../integration-event.publisher';
import { recordSpans } from '../testing/recorded-spans';
import { Outbox } from './outbox';
import { describeWith } from '../../../../test/harness/services';

/** An event somebody consumes (EVENT_SUBSCRIBERS), so that the outbox relays it. */
const CONSUMED = ORDERING_EVENTS.ORDER_CANCELLED;

/** A publisher that records each event with the correlation id and the span it was published under. */
function recordingPublisher() {
  const published: { thing: unknown; correlationId?: string }[] = [];
  const spans: { thing: unknown; traceId?: string; spanId?: string }[] = [];
  const publisher = {
    publish: async (_pattern: string, payload: { thing?: unknown }) => {
      published.push({ thing: payload.thing, correlationId: currentCorrelationId() });
      const span = trace.getSpan(context.active())?.spanContext();
      spans.push({ thing: payload.thing, traceId: span?.traceId, spanId: span?.spanId });
    },
  };
  return { published, spans, publisher: publisher as unknown as IntegrationEventPublisher };
}

describeWith(['postgres'])('the outbox keeps the correlation id of the request that caused an event', () => {
  let drop: () => Promise<void>;
  let dataSource: DataSource;

  beforeAll(async () => {
    ({ dataSource, drop } = await createMessagingTestDatabase('probe'));
  });

  afterAll(() => drop?.());

  it('publishes each event on behalf of the request that added it, whoever relays it', async () => {
    const { published, publisher } = recordingPublisher();
    const outbox = new Outbox('probe', dataSource, publisher);
    const flushed = await runWithCorrelation('req-flushed', () =>
      dataSource.transaction(async (manager) => {
        await outbox.add(manager, CONSUMED, { thing: 'flushed' });
        return manager;
      }),
    );
    await runWithCorrelation('req-placed', () => dataSource.transaction((manager) => outbox.add(manager, CONSUMED, { thing: 'placed' })));
    await dataSource.transaction((manager) => outbox.add(manager, CONSUMED, { thing: 'by-a-timer' }));
    // Published from within another request, right after its commit or by the relay once the writer's lease ran out:
    // no event takes that request's id.
    await runWithCorrelation('req-unrelated', async () => {
      outbox.flush(flushed);
      await outbox.publishPending();
    });
    await dataSource.query(`UPDATE probe.outbox SET claimed_until = now() - interval '1 second' WHERE published_at IS NULL`);
    await runWithCorrelation('req-unrelated', () => outbox.publishPending());
    expect(published).toEqual([
      { thing: 'flushed', correlationId: 'req-flushed' },
      { thing: 'placed', correlationId: 'req-placed' },
      { thing: 'by-a-timer', correlationId: undefined },
    ]);
  });

  it('keeps relaying what an outbox of the first release held once its upgrade migrations ran', async () => {
    await dataSource.query('CREATE SCHEMA legacy');
    for (const sql of messagingTablesSql('legacy')) await dataSource.query(sql);
    await dataSource.query(`INSERT INTO legacy.outbox (event_id, pattern, payload) VALUES (gen_random_uuid(), $1, '{"thing":"old"}')`, [CONSUMED]);
    for (const sql of [...messagingTablesUpgradeSql('legacy'), ...outboxTraceContextSql('legacy'), ...outboxDeliveredToSql('legacy')])
      await dataSource.query(sql);
    const { published, publisher } = recordingPublisher();
    const outbox = new Outbox('legacy', dataSource, publisher);
    await runWithCorrelation('req-new', () => dataSource.transaction((manager) => outbox.add(manager, CONSUMED, { thing: 'new' })));
    await dataSource.query(`UPDATE legacy.outbox SET claimed_until = now() - interval '1 second' WHERE published_at IS NULL`);
    await outbox.publishPending();
    expect(published).toEqual([
      { thing: 'old', correlationId: undefined },
      { thing: 'new', correlationId: 'req-new' },
    ]);
  });

  it('publishes an event in the trace of the span that wrote it, relayed later by another instance too', async () => {
    const spans = recordSpans();
    try {
      const writer = new Outbox('probe', dataSource, recordingPublisher().publisher);
      const { traceId, spanId } = await trace.getTracer('spec').startActiveSpan('process ordering.confirm-payment', async (span) => {
        await dataSource.transaction((manager) => writer.add(manager, CONSUMED, { thing: 'traced' }));
        span.end();
        return span.spanContext();
      });
      await dataSource.transaction((manager) => writer.add(manager, CONSUMED, { thing: 'untraced' }));
      // The writer died before its flush: another instance's relay takes the events once the lease is over.
      await dataSource.query(`UPDATE probe.outbox SET claimed_until = now() - interval '1 second' WHERE published_at IS NULL`);
      const relay = recordingPublisher();
      await trace.getTracer('spec').startActiveSpan('an unrelated request', async (span) => {
        await new Outbox('probe', dataSource, relay.publisher).publishPending();
        span.end();
      });
      expect(relay.spans).toEqual([
        { thing: 'traced', traceId, spanId },
        { thing: 'untraced', traceId: undefined, spanId: undefined },
      ]);
    } finally {
      await spans.stop();
    }
  });
});
