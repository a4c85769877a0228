import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IdempotencyStore, Outbox } from '@tessera/messaging';
import { isUniqueViolation } from '@tessera/platform';
import { LessThan, Repository } from 'typeorm';
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

  async findPendingCreatedBefore(cutoff: Date, limit: number): Promise<Payment[]> {
    const rows = await this.rows.find({ where: { status: 'PENDING', createdAt: LessThan(cutoff) }, order: { createdAt: 'ASC', id: 'ASC' }, take: limit });
    return rows.map((row) => PaymentMapper.toDomain(row));
  }

  async add(payment: Payment, key?: PaymentKeyClaim): Promise<boolean> {
    try {
      return await this.rows.manager.transaction(async (manager) => {
        // The key first: a taken key rolls the transaction back before the payment is written.
        if (key && !(await this.idempotency.claim(manager, key.scope, key.request, payment.id))) return false;
        await manager.insert(PaymentOrmEntity, PaymentMapper.toRow(payment));
        return true;
      });
    } catch (error) {
      if (isUniqueViolation(error, ACTIVE_PAYMENT_INDEX)) throw OrderNotPayableError.alreadyCharged(payment.orderId);
      throw error;
    }
  }

  async save(payment: Payment, events: readonly OutgoingIntegrationEvent[], keyOutcome?: PaymentKeyOutcome, publication: EventPublication = 'on-commit'): Promise<void> {
    const loadedVersion = payment.version;
    const runner = this.rows.manager.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      const result = await runner.query(
        `UPDATE payments.payments
            SET status = $3, failure_reason = $4, provider_reference = $5, updated_at = $6, version = version + 1
          WHERE id = $1 AND version = $2`,
        [payment.id, loadedVersion, payment.status, payment.failureReason, payment.providerReference, payment.updatedAt],
        true,
      );
      if (result.affected !== 1) throw new PaymentVersionConflictError(payment.id, loadedVersion);
      for (const event of events) await this.outbox.add(runner.manager, event.pattern, event.payload);
      if (keyOutcome) await this.idempotency.record(payment.id, keyOutcome, runner.manager);
      await runner.commitTransaction();
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
    payment.markStored(loadedVersion + 1);
    const committed = runner.manager;
    if (publication === 'on-commit') this.outbox.flush(committed);
    else publication.hold(() => this.outbox.flush(committed));
  }
}
