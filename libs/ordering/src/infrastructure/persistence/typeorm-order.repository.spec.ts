import { randomUUID } from 'node:crypto';
import { Inbox, IntegrationEventPublisher, Outbox } from '@tessera/messaging';
import { DataSource, QueryFailedError } from 'typeorm';
import { createOrderingTestDatabase } from '../testing/ordering-test-database';
import { ConfirmPaymentCommand } from '../../application/commands/confirm-payment/confirm-payment.command';
import { ConfirmPaymentHandler } from '../../application/commands/confirm-payment/confirm-payment.handler';
import { ExpireDueOrdersCommand } from '../../application/commands/expire-due-orders/expire-due-orders.command';
import { ExpireDueOrdersHandler } from '../../application/commands/expire-due-orders/expire-due-orders.handler';
import { StockReservations } from '../../application/stock-reservations';
import { FakeCatalog } from '../../application/testing/fake-catalog';
import { FakeClock } from '../../application/testing/fake-clock';
import { Order } from '../../domain/order.aggregate';
import { OrderVersionConflictError } from '../../domain/order.repository';
import { OrderOrmEntity } from './order.orm-entity';
import { StoredOrdersAwaitingPayment } from './stored-orders-awaiting-payment';
import { TypeOrmOrderRepository } from './typeorm-order.repository';
import { describeWith } from '../../../../../test/harness/services';

// The repository's SQL against a real Postgres, migrated as at start: what the handler specs cannot show. It needs a
// server (the embedded one cannot load inside jest), so it runs where the e2e suites do: with CI=true or TEST_POSTGRES_URL.
describeWith(['postgres'])('TypeOrmOrderRepository on Postgres', () => {
  let drop: () => Promise<void>;
  const placedAt = new Date('2030-01-01T10:00:00.000Z');
  let dataSource: DataSource;
  let published: { pattern: string; payload: Record<string, unknown> }[];
  let outbox: Outbox;
  const outboxes: Outbox[] = [];
  let repository: TypeOrmOrderRepository;

  const place = (userId: string = randomUUID(), now = placedAt, quantity = 2) =>
    Order.place({
      id: randomUUID(),
      userId,
      lines: [{ productId: randomUUID(), sku: 'MUG-1', name: 'Mug', unitPrice: { amount: 100_000_000_000, currency: 'USD' }, quantity }],
      paymentTimeoutSeconds: 900,
      now,
    });

  beforeAll(async () => {
    ({ dataSource, drop } = await createOrderingTestDatabase());
  }, 60_000);

  afterAll(async () => {
    // The last events' marks are still under way: the database stays until they are written.
    await Promise.all(outboxes.map((each) => each.stop()));
    await drop?.();
  });

  beforeEach(async () => {
    await dataSource.query('TRUNCATE ordering.order_events, ordering.orders, ordering.outbox, ordering.inbox');
    published = [];
    const publisher = { publish: async (pattern: string, payload: Record<string, unknown>) => void published.push({ pattern, payload }) };
    outbox = new Outbox('ordering', dataSource, publisher as unknown as IntegrationEventPublisher);
    outboxes.push(outbox);
    repository = anotherProcess();
  });

  /** The repository of another process on the same database: it remembers nothing this one stored. */
  const anotherProcess = () => new TypeOrmOrderRepository(dataSource, dataSource.getRepository(OrderOrmEntity), outbox, new StoredOrdersAwaitingPayment());

  /** Counts the statements `work` sends to Postgres through the pool. */
  /** The statements `work` ran on the orders' tables: not the outbox's marks of published events, which come on their own clock. */
  async function statementsOf(work: () => Promise<unknown>): Promise<number> {
    const pool = (dataSource.driver as unknown as { master: { query: (...args: unknown[]) => unknown } }).master;
    const query = jest.spyOn(pool, 'query');
    const textOf = (statement: unknown) => (typeof statement === 'string' ? statement : String((statement as { text?: unknown })?.text));
    try {
      await work();
      return query.mock.calls.filter(([statement]) => !/\boutbox\b/.test(textOf(statement))).length;
    } finally {
      query.mockRestore();
    }
  }

  it('stores a new order as its stream and its row, and loads it back as it was, a total beyond 32 bits included', async () => {
    const order = place();
    await repository.save(order);

    expect((await anotherProcess().load(order.id))?.toSnapshot()).toEqual(order.toSnapshot());
    expect(await repository.findSnapshot(order.id)).toEqual(order.toSnapshot());
    expect(order.total.amount).toBe(200_000_000_000);
    expect(order.storedVersion).toBe(1);
  });

  it('writes the integration events in the same transaction, and publishes those somebody consumes', async () => {
    const order = place();
    await repository.save(order);
    const confirmed = (await repository.load(order.id))!;
    confirmed.confirm('pay-1');
    await repository.save(confirmed);
    await outbox.publishPending();

    const stored = await dataSource.query(`SELECT pattern, payload, published_at FROM ordering.outbox ORDER BY position`);
    expect(stored).toEqual([
      expect.objectContaining({
        pattern: 'ordering.order.placed',
        payload: expect.objectContaining({ orderId: order.id, total: { amount: 200_000_000_000, currency: 'USD' } }),
      }),
      expect.objectContaining({ pattern: 'ordering.order.confirmed', payload: expect.objectContaining({ orderId: order.id, paymentId: 'pay-1' }) }),
    ]);
    expect(stored.every((row: { published_at: Date | null }) => row.published_at instanceof Date)).toBe(true);
    // Nobody consumes ordering.order.placed (EVENT_SUBSCRIBERS): it is kept for the record, never relayed.
    expect(published).toEqual([
      { pattern: 'ordering.order.confirmed', payload: expect.objectContaining({ orderId: order.id, paymentId: 'pay-1', eventId: expect.any(String) }) },
    ]);
  });

  it('appends a change only right after the version it was loaded at', async () => {
    const order = place();
    await repository.save(order);
    const first = (await repository.load(order.id))!;
    const second = (await repository.load(order.id))!;

    first.confirm('pay-1', new Date('2030-01-01T10:01:00.000Z'));
    await repository.save(first);
    second.cancel('CANCELLED_BY_CUSTOMER', new Date('2030-01-01T10:02:00.000Z'));

    await expect(repository.save(second)).rejects.toBeInstanceOf(OrderVersionConflictError);
    expect(await repository.findSnapshot(order.id)).toMatchObject({ status: 'CONFIRMED', paymentId: 'pay-1', version: 2 });
    expect(await dataSource.query('SELECT count(*)::int AS n FROM ordering.outbox')).toEqual([{ n: 2 }]);
  });

  it("joins a transaction it is handed, such as the inbox's, and is rolled back with it", async () => {
    const order = place();
    await repository.save(order);
    const inbox = new Inbox('ordering', dataSource);
    const event = { eventId: randomUUID(), occurredAt: placedAt.toISOString(), version: 1 };

    await expect(
      inbox.processOnce(event, 'spec', async (manager) => {
        const loaded = (await repository.load(order.id, manager))!;
        loaded.cancel('CANCELLED_BY_ADMIN', new Date('2030-01-01T10:05:00.000Z'));
        await repository.save(loaded, manager);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect((await repository.findSnapshot(order.id))?.status).toBe('AWAITING_PAYMENT');

    await inbox.processOnce(event, 'spec', async (manager) => {
      const loaded = (await repository.load(order.id, manager))!;
      loaded.cancel('CANCELLED_BY_ADMIN', new Date('2030-01-01T10:05:00.000Z'));
      await repository.save(loaded, manager);
    });
    expect(await repository.findSnapshot(order.id)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CANCELLED_BY_ADMIN', version: 2 });
  });

  it('loads an order it stored awaiting payment as it stored it, without a read; once it has moved on, from the table', async () => {
    const order = place();
    await repository.save(order);

    let loaded: Order | null = null;
    expect(await statementsOf(async () => (loaded = await repository.load(order.id)))).toBe(0);
    expect(loaded!.toSnapshot()).toEqual(order.toSnapshot());

    loaded!.confirm('pay-1', new Date('2030-01-01T10:01:00.000Z'));
    await repository.save(loaded!);
    expect(await statementsOf(async () => (loaded = await repository.load(order.id)))).toBe(1);
    expect(loaded!.toSnapshot()).toMatchObject({ status: 'CONFIRMED', paymentId: 'pay-1', version: 2 });
  });

  it('has a payment confirmed on what another process stored since, not on what it remembers', async () => {
    const order = place();
    await repository.save(order);
    const other = anotherProcess();
    const cancelled = (await other.load(order.id))!;
    cancelled.cancel('CANCELLED_BY_CUSTOMER', new Date('2030-01-01T10:02:00.000Z'));
    await other.save(cancelled);

    // This process remembers the order awaiting payment: the confirmation's write is refused, and its retry reads the table.
    const clock = new FakeClock(new Date('2030-01-01T10:03:00.000Z'));
    const confirm = new ConfirmPaymentHandler(repository, new StockReservations(new FakeCatalog().asClient()), clock);
    await expect(confirm.execute(new ConfirmPaymentCommand(order.id, 'pay-1'))).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });

    const types = await dataSource.query('SELECT type FROM ordering.order_events WHERE order_id = $1 ORDER BY version', [order.id]);
    expect(types).toEqual([{ type: 'OrderPlaced' }, { type: 'OrderCancelled' }]);
    expect((await repository.load(order.id))?.toSnapshot()).toMatchObject({ status: 'CANCELLED', version: 2 });
  });

  it('reads an order changed inside a transaction again, whether that transaction committed or not', async () => {
    const order = place();
    await repository.save(order);
    const inbox = new Inbox('ordering', dataSource);
    await inbox.processOnce({ eventId: randomUUID(), occurredAt: placedAt.toISOString(), version: 1 }, 'spec', async (manager) => {
      const loaded = (await repository.load(order.id, manager))!;
      loaded.cancel('CANCELLED_BY_ADMIN', new Date('2030-01-01T10:05:00.000Z'));
      await repository.save(loaded, manager);
    });

    expect((await repository.load(order.id))?.toSnapshot()).toMatchObject({ status: 'CANCELLED', version: 2 });
  });

  it('answers null for an unknown order, and for a malformed id without an SQL error', async () => {
    await expect(repository.load('7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f')).resolves.toBeNull();
    await expect(repository.load("x' OR 1=1 --")).resolves.toBeNull();
    await expect(repository.findSnapshot('nope')).resolves.toBeNull();
  });

  it("lists orders newest first, everyone's or one user's, with the total", async () => {
    const ada = randomUUID();
    const orders = [
      place(ada, new Date('2030-01-01T10:00:00Z')),
      place(randomUUID(), new Date('2030-01-01T11:00:00Z')),
      place(ada, new Date('2030-01-01T12:00:00Z')),
    ];
    for (const order of orders) await repository.save(order);

    const all = await repository.list({ offset: 0, limit: 2 });
    const adas = await repository.list({ userId: ada, offset: 0, limit: 10 });

    expect([all.total, all.items.map((order) => order.id)]).toEqual([3, [orders[2].id, orders[1].id]]);
    expect([adas.total, adas.items.map((order) => order.id)]).toEqual([2, [orders[2].id, orders[0].id]]);
  });

  it('finds the orders awaiting payment past their time, those overdue longest first', async () => {
    const older = place(randomUUID(), new Date('2030-01-01T09:00:00Z'));
    const newer = place(randomUUID(), new Date('2030-01-01T09:30:00Z'));
    const notYet = place(randomUUID(), new Date('2030-01-01T09:59:00Z'));
    const paid = place(randomUUID(), new Date('2030-01-01T09:00:00Z'));
    paid.confirm('pay-1', new Date('2030-01-01T09:01:00Z'));
    for (const order of [newer, older, notYet, paid]) await repository.save(order);

    await expect(repository.findDueForExpiry(new Date('2030-01-01T10:00:00Z'), 10)).resolves.toEqual([older.id, newer.id]);
    await expect(repository.findDueForExpiry(new Date('2030-01-01T10:00:00Z'), 1)).resolves.toEqual([older.id]);
  });

  it('refuses a cancelled order without a reason in the table itself', async () => {
    const order = place();
    await repository.save(order);
    await expect(dataSource.query(`UPDATE ordering.orders SET status = 'CANCELLED' WHERE id = $1`, [order.id])).rejects.toBeInstanceOf(QueryFailedError);
  });

  describe('with the handlers, on several connections at once', () => {
    it('expires an order once when sweepers and a late payment race for it', async () => {
      const order = place();
      await repository.save(order);
      const clock = new FakeClock(new Date('2030-01-01T10:15:01.000Z'));
      const catalog = new FakeCatalog();
      const reservations = new StockReservations(catalog.asClient());
      const sweeper = new ExpireDueOrdersHandler(repository, reservations, clock);
      const confirm = new ConfirmPaymentHandler(repository, reservations, clock);

      const outcomes = await Promise.allSettled([
        sweeper.execute(new ExpireDueOrdersCommand()),
        sweeper.execute(new ExpireDueOrdersCommand()),
        sweeper.execute(new ExpireDueOrdersCommand()),
        confirm.execute(new ConfirmPaymentCommand(order.id, 'pay-late')),
      ]);

      const types = (await dataSource.query('SELECT type FROM ordering.order_events WHERE order_id = $1 ORDER BY version', [order.id])).map(
        (row: { type: string }) => row.type,
      );
      expect(types).toEqual(['OrderPlaced', 'OrderCancelled']);
      expect(outcomes[3]).toMatchObject({ status: 'rejected', reason: { code: 'ORDER_NOT_PAYABLE' } });
      expect(catalog.requestsOf('catalog.release-reservation')).toEqual([{ reservationId: order.id }]);
    });
  });
});
