import { randomUUID } from 'node:crypto';
import { IdempotencyStore, IntegrationEventPublisher, Outbox } from '@tessera/messaging';
import { Money } from '@tessera/shared-kernel';
import { DataSource, QueryFailedError } from 'typeorm';
import { createMigratedContextDatabase } from '../../../../../test/harness/postgres';
import { PaymentIntegrationEventMapper } from '../../application/payment-integration-event.mapper';
import { Payment } from '../../domain/payment.aggregate';
import { PaymentMethod } from '../../domain/payment-method.value-object';
import { PaymentVersionConflictError } from '../../domain/payment.repository';
import { PAYMENTS_MIGRATIONS } from '../migrations';
import { PaymentOrmEntity } from './payment.orm-entity';
import { TypeOrmPaymentRepository } from './typeorm-payment.repository';
import { describeWith } from '../../../../../test/harness/services';

/** Records what the outbox publishes. */
class RecordingPublisher {
  readonly published: { pattern: string; payload: Record<string, unknown> }[] = [];

  async publish<T extends object>(pattern: string, payload: T): Promise<void> {
    this.published.push({ pattern, payload: payload as Record<string, unknown> });
  }
}

// The repository's SQL, the migration's constraints and the outbox transaction against a real Postgres, which the
// handler specs cannot show. The embedded database cannot load inside jest, so it runs with CI=true or TEST_POSTGRES_URL.
describeWith(['postgres'])('TypeOrmPaymentRepository on Postgres', () => {
  let drop: () => Promise<void>;
  let dataSource: DataSource;
  let outbox: Outbox;
  const outboxes: Outbox[] = [];
  let publisher: RecordingPublisher;
  let repository: TypeOrmPaymentRepository;

  const pending = (orderId = randomUUID(), amount = 4200, createdAt?: Date) =>
    Payment.create({ orderId, userId: randomUUID(), amount: Money.of(amount, 'USD'), paymentMethod: PaymentMethod.of('pm_card_visa') }, createdAt);
  const save = (payment: Payment) => repository.save(payment, PaymentIntegrationEventMapper.toOutgoing(payment.pullEvents()));
  const outboxRows = async () =>
    (await dataSource.query('SELECT pattern, payload FROM payments.outbox ORDER BY position')) as { pattern: string; payload: Record<string, unknown> }[];

  beforeAll(async () => {
    ({ dataSource, drop } = await createMigratedContextDatabase({ context: 'payments', entities: [PaymentOrmEntity], migrations: PAYMENTS_MIGRATIONS }));
  }, 60_000);

  afterAll(async () => {
    // The last events' marks are still under way: the database stays until they are written.
    await Promise.all(outboxes.map((each) => each.stop()));
    await drop?.();
  });

  beforeEach(async () => {
    await dataSource.query('TRUNCATE payments.payments, payments.outbox');
    publisher = new RecordingPublisher();
    outbox = new Outbox('payments', dataSource, publisher as unknown as IntegrationEventPublisher);
    outboxes.push(outbox);
    repository = new TypeOrmPaymentRepository(dataSource.getRepository(PaymentOrmEntity), outbox, new IdempotencyStore('payments', dataSource));
  });

  it('stores a payment and loads it back as it was, an amount beyond 32 bits included', async () => {
    const payment = pending(randomUUID(), 100_000_000_000);
    await repository.add(payment);

    expect((await repository.findById(payment.id))?.toSnapshot()).toEqual(payment.toSnapshot());
  });

  it('answers null for an unknown id, and for a malformed one without an SQL error', async () => {
    await expect(repository.findById(randomUUID())).resolves.toBeNull();
    await expect(repository.findById("x' OR 1=1 --")).resolves.toBeNull();
    await expect(repository.findSucceededByOrderId('nope')).resolves.toBeNull();
  });

  describe('one charge per order, enforced by the partial unique index', () => {
    it('refuses a second PENDING or SUCCEEDED payment of an order as ORDER_NOT_PAYABLE, without SQL in the message', async () => {
      const orderId = randomUUID();
      const first = pending(orderId);
      await repository.add(first);

      await expect(repository.add(pending(orderId))).rejects.toMatchObject({
        code: 'ORDER_NOT_PAYABLE',
        message: expect.not.stringMatching(/duplicate|unique|payments_/),
      });

      first.succeed(`test_ch_${first.id}`);
      await save(first);
      await expect(repository.add(pending(orderId))).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });
    });

    it('lets an order be paid again after a FAILED payment, and after a REFUNDED one', async () => {
      const orderId = randomUUID();
      const declined = pending(orderId);
      await repository.add(declined);
      declined.fail('card_declined');
      await save(declined);

      const paid = pending(orderId);
      await repository.add(paid);
      paid.succeed(`test_ch_${paid.id}`);
      await save(paid);
      paid.refund();
      await save(paid);

      await expect(repository.add(pending(orderId))).resolves.toBe(true);
    });

    it('lets one of many concurrent payments of one order in, over several connections', async () => {
      const orderId = randomUUID();

      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => repository.add(pending(orderId))));

      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      expect(new Set(outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [(outcome.reason as { code: string }).code] : [])))).toEqual(
        new Set(['ORDER_NOT_PAYABLE']),
      );
      expect(await dataSource.query('SELECT count(*)::int AS n FROM payments.payments WHERE order_id = $1', [orderId])).toEqual([{ n: 1 }]);
    });
  });

  describe('idempotency keys', () => {
    const keyOf = (key: string) => ({ scope: { userId: '00000000-0000-4000-8000-0000000000aa', key, operation: 'pay-order' }, request: { probe: key } });
    const stateOf = async (key: string) =>
      (await dataSource.query('SELECT state, outcome, resource_id FROM payments.idempotency_keys WHERE key = $1', [key]))[0] as
        { state: string; outcome: unknown; resource_id: string } | undefined;

    it('claims the key with the payment, and answers it with the change that settles the payment', async () => {
      const payment = pending(randomUUID(), 1234);
      expect(await repository.add(payment, keyOf('pay-k1'))).toBe(true);
      expect(await stateOf('pay-k1')).toEqual({ state: 'RUNNING', outcome: null, resource_id: payment.id });

      payment.succeed('test_ch_k1');
      await repository.save(payment, [], { result: { id: payment.id } });
      expect(await stateOf('pay-k1')).toEqual({ state: 'DONE', outcome: { result: { id: payment.id } }, resource_id: payment.id });
    });

    it('stores no payment when the key is taken, and no key when the payment is refused', async () => {
      const orderId = randomUUID();
      expect(await repository.add(pending(orderId), keyOf('pay-k2'))).toBe(true);
      const second = pending(randomUUID());
      expect(await repository.add(second, keyOf('pay-k2'))).toBe(false);
      expect(await repository.findById(second.id)).toBeNull();

      await expect(repository.add(pending(orderId), keyOf('pay-k3'))).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });
      expect(await stateOf('pay-k3')).toBeUndefined();
    });
  });

  describe('save', () => {
    it('stores the change and its events in one transaction, and publishes them after commit', async () => {
      const payment = pending(randomUUID(), 1234);
      await repository.add(payment);
      payment.succeed('test_ch_abc');

      await save(payment);
      await outbox.publishPending();

      expect(await repository.findById(payment.id)).toMatchObject({ status: 'SUCCEEDED', providerReference: 'test_ch_abc', version: 2 });
      expect(await outboxRows()).toEqual([
        { pattern: 'payments.payment.succeeded', payload: { paymentId: payment.id, orderId: payment.orderId, amount: { amount: 1234, currency: 'USD' } } },
      ]);
      expect(publisher.published).toEqual([
        {
          pattern: 'payments.payment.succeeded',
          payload: {
            paymentId: payment.id,
            orderId: payment.orderId,
            amount: { amount: 1234, currency: 'USD' },
            eventId: expect.any(String),
            occurredAt: expect.any(String),
            version: 1,
            publication: 1,
          },
        },
      ]);
    });

    it('saves only over the version it loaded, and then writes no event', async () => {
      const payment = pending();
      await repository.add(payment);
      const first = (await repository.findById(payment.id))!;
      const second = (await repository.findById(payment.id))!;
      first.succeed('test_ch_1');
      await save(first);
      second.fail('card_declined');

      await expect(save(second)).rejects.toBeInstanceOf(PaymentVersionConflictError);

      expect(await repository.findById(payment.id)).toMatchObject({ status: 'SUCCEEDED', version: 2 });
      expect((await outboxRows()).map((row) => row.pattern)).toEqual(['payments.payment.succeeded']);
    });
  });

  it('finds the succeeded payment of an order, and stale pending payments oldest first', async () => {
    const orderId = randomUUID();
    const failed = pending(orderId);
    await repository.add(failed);
    failed.fail('card_declined');
    await save(failed);
    const paid = pending(orderId);
    await repository.add(paid);
    paid.succeed('test_ch_2');
    await save(paid);
    const old = pending(randomUUID(), 1, new Date(Date.now() - 120_000));
    const older = pending(randomUUID(), 1, new Date(Date.now() - 240_000));
    const fresh = pending(randomUUID(), 1, new Date());
    for (const payment of [old, older, fresh]) await repository.add(payment);

    expect((await repository.findSucceededByOrderId(orderId))?.id).toBe(paid.id);
    expect((await repository.findPendingCreatedBefore(new Date(Date.now() - 60_000), 10)).map((payment) => payment.id)).toEqual([older.id, old.id]);
    expect(await repository.findPendingCreatedBefore(new Date(Date.now() - 60_000), 1)).toHaveLength(1);
    expect((await repository.findPendingCreatedBefore(new Date(Date.now() - 60_000), 10, [older.id])).map((payment) => payment.id)).toEqual([old.id]);
  });

  it('refuses in the table itself a settled state its outcome does not back', async () => {
    const payment = pending();
    await repository.add(payment);

    await expect(dataSource.query(`UPDATE payments.payments SET status = 'SUCCEEDED' WHERE id = $1`, [payment.id])).rejects.toBeInstanceOf(QueryFailedError);
    await expect(dataSource.query(`UPDATE payments.payments SET status = 'FAILED' WHERE id = $1`, [payment.id])).rejects.toBeInstanceOf(QueryFailedError);
    await expect(dataSource.query(`UPDATE payments.payments SET status = 'LOST' WHERE id = $1`, [payment.id])).rejects.toBeInstanceOf(QueryFailedError);
  });
});
