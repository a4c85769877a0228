import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { AtomicStatement, IdempotencyStore, Outbox } from '@tessera/messaging';
import { isUniqueViolation } from '@tessera/platform';
import { In, LessThan, Not, Repository } from 'typeorm';
import { Payment } from '../../domain/payment.aggregate';
import { OrderNotPayableError } from '../../domain/payment.errors';
import { PaymentKeyClaim, PaymentKeyOutcome, PaymentRepository, PaymentVersionConflictError } from '../../domain/payment.repository';
import { PaymentMapper } from './payment.mapper';
import { PaymentOrmEntity } from './payment.orm-entity';
import type { EventPublication, OutgoingIntegrationEvent } from '@tessera/shared-kernel';

/** The partial unique index that allows one PENDING or SUCCEEDED payment per order. */
export const ACTIVE_PAYMENT_INDEX = 'payments_order_id_active_key';

/** Payments in the payments schema, through the payments' own DataSource, with their events in its outbox. */
@Injectable()
export class TypeOrmPaymentRepository implements PaymentRepository {
  constructor(
    @InjectRepository(PaymentOrmEntity, 'payments') private readonly rows: Repository<PaymentOrmEntity>,
    private readonly outbox: Outbox,
    private readonly idempotency: IdempotencyStore,
  ) {}

  async findById(id: string): Promise<Payment | null> {
    // Postgres answers a malformed uuid with an error, not with no row.
    if (!Payment.isWellFormedId(id)) return null;
    const row = await this.rows.findOneBy({ id });
    return row ? PaymentMapper.toDomain(row) : null;
  }

  async findSucceededByOrderId(orderId: string): Promise<Payment | null> {
    if (!Payment.isWellFormedId(orderId)) return null;
    const row = await this.rows.findOneBy({ orderId, status: 'SUCCEEDED' });
    return row ? PaymentMapper.toDomain(row) : null;
  }

  async findPendingCreatedBefore(cutoff: Date, limit: number, passOver: readonly string[] = []): Promise<Payment[]> {
    const rows = await this.rows.find({
      where: { status: 'PENDING', createdAt: LessThan(cutoff), ...(passOver.length > 0 ? { id: Not(In([...passOver])) } : {}) },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: limit,
    });
    return rows.map((row) => PaymentMapper.toDomain(row));
  }

  async add(payment: Payment, key?: PaymentKeyClaim): Promise<boolean> {
    const statement = new AtomicStatement();
    const row = PaymentMapper.toRow(payment);
    const p = (value: unknown, type: string) => statement.param(value, type);
    // An order charged already is found, not run into: on the embedded database an SQL error costs the connection
    // (ADR 9). Two payments racing on Postgres still meet the unique index, which refuses the second whole.
    const charged = statement.with(`SELECT 1 FROM payments.payments WHERE order_id = ${p(row.orderId, 'uuid')} AND status IN ('PENDING', 'SUCCEEDED')`);
    const chargeable = `NOT EXISTS (SELECT 1 FROM ${charged})`;
    // With a key, the payment is written only if the key was new: a taken key leaves both as they are.
    const claimed = key && this.idempotency.claimIn(statement, key.scope, key.request, payment.id, chargeable);
    const added = statement.with(
      `INSERT INTO payments.payments (id, order_id, user_id, amount, currency, payment_method, status, failure_reason, provider_reference,
                                      created_at, updated_at, version)
       SELECT ${p(row.id, 'uuid')}, ${p(row.orderId, 'uuid')}, ${p(row.userId, 'uuid')}, ${p(row.amount, 'bigint')}, ${p(row.currency, 'text')},
              ${p(row.paymentMethod, 'text')}, ${p(row.status, 'text')}, ${p(row.failureReason, 'text')}, ${p(row.providerReference, 'text')},
              ${p(row.createdAt, 'timestamptz')}, ${p(row.updatedAt, 'timestamptz')}, ${p(row.version, 'integer')}
        WHERE ${claimed ? AtomicStatement.onlyIf(claimed) : chargeable}
       RETURNING id`,
    );
    try {
      const [{ stored, alreadyCharged }] = await statement.run<{ stored: number; alreadyCharged: boolean }>(
        this.rows.manager,
        `SELECT (SELECT count(*) FROM ${added})::int AS stored, EXISTS (SELECT 1 FROM ${charged}) AS "alreadyCharged"`,
      );
      if (stored === 1) return true;
      if (alreadyCharged) throw OrderNotPayableError.alreadyCharged(payment.orderId);
      return false;
    } catch (error) {
      if (isUniqueViolation(error, ACTIVE_PAYMENT_INDEX)) throw OrderNotPayableError.alreadyCharged(payment.orderId);
      throw error;
    }
  }

  async save(
    payment: Payment,
    events: readonly OutgoingIntegrationEvent[],
    keyOutcome?: PaymentKeyOutcome,
    publication: EventPublication = 'on-commit',
  ): Promise<void> {
    const loadedVersion = payment.version;
    const statement = new AtomicStatement();
    const p = (value: unknown, type: string) => statement.param(value, type);
    const updated = statement.with(
      `UPDATE payments.payments
          SET status = ${p(payment.status, 'text')}, failure_reason = ${p(payment.failureReason, 'text')},
              provider_reference = ${p(payment.providerReference, 'text')}, updated_at = ${p(payment.updatedAt, 'timestamptz')}, version = version + 1
        WHERE id = ${p(payment.id, 'uuid')} AND version = ${p(loadedVersion, 'integer')}
       RETURNING id`,
    );
    for (const event of events) this.outbox.addTo(statement, event.pattern, event.payload, updated);
    if (keyOutcome) this.idempotency.recordIn(statement, payment.id, keyOutcome, updated);
    const [{ stored }] = await statement.run<{ stored: number }>(this.rows.manager, `SELECT count(*)::int AS stored FROM ${updated}`);
    if (stored !== 1) throw new PaymentVersionConflictError(payment.id, loadedVersion);
    payment.markStored(loadedVersion + 1);
    if (publication === 'on-commit') this.outbox.flush(statement);
    else publication.hold(() => this.outbox.flush(statement));
  }
}
