import { errorOutcome, resultOutcome } from '@tessera/messaging';
import { retryOnVersionConflict } from '@tessera/shared-kernel';
import type { Payment } from '../domain/payment.aggregate';
import { PaymentDeclinedError } from '../domain/payment.errors';
import type { ChargeOutcome } from '../domain/payment.provider';
import type { PaymentKeyOutcome, PaymentRepository } from '../domain/payment.repository';
import type { EventPublication } from '@tessera/shared-kernel';
import { PaymentIntegrationEventMapper } from './payment-integration-event.mapper';
import { PaymentViewMapper } from './payment-view.mapper';

/**
 * Records what the provider answered to a pending payment's charge, with its
 * outbox event and the answer of its idempotency key, in one transaction, and
 * answers the payment as stored. When someone else (the sweeper, or the
 * request whose charge this re-checks) settled it first, their settlement
 * stands: the provider answers one charge the same way every time.
 */
export async function settlePayment(
  payments: PaymentRepository,
  payment: Payment,
  outcome: ChargeOutcome,
  publication: EventPublication = 'on-commit',
): Promise<Payment> {
  let loaded: Payment | null = payment;
  return retryOnVersionConflict(async () => {
    const current = loaded ?? (await payments.findById(payment.id));
    loaded = null;
    if (!current) throw new Error(`Payment ${payment.id} disappeared while it was being settled`);
    if (!current.isPending) return current;
    current.settle(outcome);
    await payments.save(current, PaymentIntegrationEventMapper.toOutgoing(current.pullEvents()), keyOutcomeOf(current), publication);
    return current;
  });
}

/** What a pay-order request answers for a settled payment: the payment, or PAYMENT_DECLINED with its id. */
export function keyOutcomeOf(payment: Payment): PaymentKeyOutcome {
  if (payment.status === 'FAILED') return errorOutcome(new PaymentDeclinedError(payment.id, payment.failureReason ?? 'declined'));
  return resultOutcome(PaymentViewMapper.toView(payment));
}
