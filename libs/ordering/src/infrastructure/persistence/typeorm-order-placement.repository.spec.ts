import { randomUUID } from 'node:crypto';
import { IdempotencyStore, IntegrationEventPublisher, Outbox } from '@tessera/messaging';
import { DataSource } from 'typeorm';
import { createOrderingTestDatabase } from '../testing/ordering-test-database';
import { describeWith } from '../../../../../test/harness/services';
import type { OrderPlacement, PlacementKey } from '../../application/order-placements';
import { Order } from '../../domain/order.aggregate';
import { OrderOrmEntity } from './order.orm-entity';
import { StoredOrdersAwaitingPayment } from './stored-orders-awaiting-payment';
import { TypeOrmCustomerRepository } from './typeorm-customer.repository';
import { TypeOrmOrderPlacementRepository } from './typeorm-order-placement.repository';
import { TypeOrmOrderRepository } from './typeorm-order.repository';

// The statement that begins a placement, with the customer read model it is conditional on, against a real Postgres
// (CI=true or TEST_POSTGRES_URL), as the repository spec beside it.
describeWith(['postgres'])('TypeOrmOrderPlacementRepository and TypeOrmCustomerRepository on Postgres', () => {
  let drop: () => Promise<void>;
  let dataSource: DataSource;
  let placements: TypeOrmOrderPlacementRepository;
  let customers: TypeOrmCustomerRepository;
  let outbox: Outbox;
  const outboxes: Outbox[] = [];
  let awaitingPayment: StoredOrdersAwaitingPayment;
  const recoverAfter = new Date('2030-01-01T10:00:30.000Z');

  const placementOf = (userId: string): OrderPlacement => ({
    orderId: randomUUID(),
    userId,
    lines: [{ productId: randomUUID(), quantity: 1 }],
    stage: 'PLACING',
    createdAt: new Date('2030-01-01T10:00:00.000Z'),
    attempts: 0,
    paymentTimeoutSeconds: 900,
  });
  const keyOf = (userId: string, key = 'key-1'): PlacementKey => ({ scope: { userId, key, operation: 'place-order' }, request: { items: [] } });
  const stored = async () => (await dataSource.query('SELECT count(*)::int AS n FROM ordering.order_placements'))[0].n as number;
  const claimedKeys = async () => (await dataSource.query('SELECT count(*)::int AS n FROM ordering.idempotency_keys'))[0].n as number;

  beforeAll(async () => {
    ({ dataSource, drop } = await createOrderingTestDatabase());
  }, 60_000);

  afterAll(async () => {
    // The last events' marks may still be under way: the database stays until they are written.
    await Promise.all(outboxes.map((each) => each.stop()));
    await drop?.();
  });

  beforeEach(async () => {
    await dataSource.query('TRUNCATE ordering.order_placements, ordering.idempotency_keys, ordering.customers, ordering.orders, ordering.order_events');
    const publisher = { publish: async () => undefined };
    outbox = new Outbox('ordering', dataSource, publisher as unknown as IntegrationEventPublisher);
    outboxes.push(outbox);
    awaitingPayment = new StoredOrdersAwaitingPayment();
    placements = new TypeOrmOrderPlacementRepository(dataSource, new IdempotencyStore('ordering', dataSource), outbox, awaitingPayment);
    customers = new TypeOrmCustomerRepository(dataSource);
  });

  it('stores nothing and claims no key for a user it has not met, and answers so', async () => {
    const userId = randomUUID();
    await expect(placements.begin(placementOf(userId), recoverAfter, keyOf(userId))).resolves.toBe('customer-unknown');
    expect([await stored(), await claimedKeys()]).toEqual([0, 0]);
  });

  it('begins the placement of an active customer, and answers a second use of its key as taken', async () => {
    const userId = randomUUID();
    await customers.record(userId, 'active');

    await expect(placements.begin(placementOf(userId), recoverAfter, keyOf(userId))).resolves.toBe('begun');
    await expect(placements.begin(placementOf(userId), recoverAfter, keyOf(userId))).resolves.toBe('key-taken');
    await expect(placements.begin(placementOf(userId), recoverAfter)).resolves.toBe('begun');
    expect([await stored(), await claimedKeys()]).toEqual([2, 1]);
  });

  it('refuses an inactive customer, storing nothing and claiming no key', async () => {
    const userId = randomUUID();
    await customers.record(userId, 'inactive');

    await expect(placements.begin(placementOf(userId), recoverAfter, keyOf(userId))).resolves.toBe('customer-inactive');
    await expect(placements.begin(placementOf(userId), recoverAfter)).resolves.toBe('customer-inactive');
    expect([await stored(), await claimedKeys()]).toEqual([0, 0]);
  });

  it('keeps a deactivation whatever older answer is recorded after it, and records it for a user not met before', async () => {
    const known = randomUUID();
    await customers.record(known, 'active');
    await customers.record(known, 'inactive');
    await customers.record(known, 'active');
    const unmet = randomUUID();
    await customers.record(unmet, 'inactive');
    await customers.record(unmet, 'active');

    await expect(placements.begin(placementOf(known), recoverAfter)).resolves.toBe('customer-inactive');
    await expect(placements.begin(placementOf(unmet), recoverAfter)).resolves.toBe('customer-inactive');
  });

  it('completes a placement with its order, which this process then loads without a read, and another from the table', async () => {
    const userId = randomUUID();
    await customers.record(userId, 'active');
    const placement = placementOf(userId);
    await placements.begin(placement, recoverAfter);
    const order = Order.place({
      id: placement.orderId,
      userId,
      lines: [{ productId: placement.lines[0].productId, sku: 'MUG-1', name: 'Mug', unitPrice: { amount: 1200, currency: 'USD' }, quantity: 1 }],
      paymentTimeoutSeconds: 900,
      now: placement.createdAt,
    });

    await expect(placements.complete(order, { result: { id: order.id } })).resolves.toBe(true);

    const orders = (memory = new StoredOrdersAwaitingPayment()) =>
      new TypeOrmOrderRepository(dataSource, dataSource.getRepository(OrderOrmEntity), outbox, memory);
    const pool = (dataSource.driver as unknown as { master: { query: (...args: unknown[]) => unknown } }).master;
    const query = jest.spyOn(pool, 'query');
    try {
      expect((await orders(awaitingPayment).load(order.id))?.toSnapshot()).toEqual(order.toSnapshot());
      expect(query).not.toHaveBeenCalled();
      expect((await orders().load(order.id))?.toSnapshot()).toEqual(order.toSnapshot());
      expect(query).toHaveBeenCalledTimes(1);
    } finally {
      query.mockRestore();
    }
    expect(await stored()).toBe(0);
  });

  it('leases a taken placement to its taker: nobody else takes it while the lease runs, and it comes back after it', async () => {
    const userId = randomUUID();
    await customers.record(userId, 'active');
    const placement = placementOf(userId);
    await placements.begin(placement, recoverAfter);
    const leaseMs = 15_000;
    const at = (ms: number) => new Date(recoverAfter.getTime() + ms);

    const taken = await Promise.all([placements.takeNextDue(at(0), leaseMs), placements.takeNextDue(at(0), leaseMs)]);

    expect(taken.filter(Boolean)).toEqual([{ ...placement, attempts: 1 }]);
    await expect(placements.takeNextDue(at(leaseMs - 1), leaseMs)).resolves.toBeUndefined();
    const again = await placements.takeNextDue(at(leaseMs), leaseMs);
    expect(again).toMatchObject({ orderId: placement.orderId, attempts: 2 });
    // After enough failed attempts the backoff outlasts the lease, and spaces the retries instead.
    let takenAt = leaseMs;
    for (let attempts = 2; attempts <= 5; attempts++) {
      const next = takenAt + Math.max(leaseMs, 1000 * 2 ** (attempts - 1));
      await expect(placements.takeNextDue(at(next - 1), leaseMs)).resolves.toBeUndefined();
      await expect(placements.takeNextDue(at(next), leaseMs)).resolves.toMatchObject({ attempts: attempts + 1 });
      takenAt = next;
    }
  });

  it('hands the placement due the longest out first, and one begun without its payment timeout without one', async () => {
    const userId = randomUUID();
    await customers.record(userId, 'active');
    const later = placementOf(userId);
    const { paymentTimeoutSeconds: _, ...older } = placementOf(userId);
    await placements.begin(later, new Date(recoverAfter.getTime() + 1));
    await placements.begin(older, recoverAfter);
    const at = new Date(recoverAfter.getTime() + 1);

    expect(await placements.takeNextDue(at, 15_000)).toEqual({ ...older, attempts: 1 });
    expect(await placements.takeNextDue(at, 15_000)).toEqual({ ...later, attempts: 1 });
    expect(await placements.takeNextDue(at, 15_000)).toBeUndefined();
  });
});
