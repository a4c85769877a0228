import { fromStoredRow, toSafeInteger } from '@tessera/platform';
import { Money } from '@tessera/shared-kernel';
import { Payment, PaymentState } from '../../domain/payment.aggregate';
import { PaymentOrmEntity } from './payment.orm-entity';

/** Converts between the payment aggregate and its row. */
export class PaymentMapper {
  static toDomain(row: PaymentOrmEntity): Payment {
    return fromStoredRow(`payments.payments ${row.id}`, () => PaymentMapper.reconstitute(row));
  }

  private static reconstitute(row: PaymentOrmEntity): Payment {
    return Payment.reconstitute({
      id: row.id,
      orderId: row.orderId,
      userId: row.userId,
      amount: Money.of(toSafeInteger(row.amount, 'payments.payments.amount'), row.currency.trim(), 'amount'),
      paymentMethod: row.paymentMethod,
      status: row.status as PaymentState,
      failureReason: row.failureReason,
      providerReference: row.providerReference,
      createdAt: new Date(row.createdAt),
      updatedAt: new Date(row.updatedAt),
      version: toSafeInteger(row.version, 'payments.payments.version'),
    });
  }

  static toRow(payment: Payment): PaymentOrmEntity {
    const row = new PaymentOrmEntity();
    row.id = payment.id;
    row.orderId = payment.orderId;
    row.userId = payment.userId;
    row.amount = String(payment.amount.amount);
    row.currency = payment.amount.currency;
    row.paymentMethod = payment.paymentMethod;
    row.status = payment.status;
    row.failureReason = payment.failureReason;
    row.providerReference = payment.providerReference;
    row.createdAt = payment.createdAt;
    row.updatedAt = payment.updatedAt;
    row.version = payment.version;
    return row;
  }
}
