import type { Money } from '@tessera/shared-kernel';
import type { PaymentMethod } from './payment-method.value-object';

/** Injection token of the PaymentProvider port. */
export const PAYMENT_PROVIDER = Symbol('PAYMENT_PROVIDER');

/** What a provider answers to a charge: the money was taken (and under which reference), or it was declined and why. */
export type ChargeOutcome = { outcome: 'succeeded'; providerReference: string } | { outcome: 'declined'; reason: string };

/** A charge of one payment. */
export interface ChargeRequest {
  paymentId: string;
  amount: Money;
  paymentMethod: PaymentMethod;
}

/** A refund of a charge, in full. */
export interface RefundRequest {
  providerReference: string;
  amount: Money;
}

/**
 * Where the money is taken and given back. Both calls must be safe to repeat,
 * as every real provider allows through idempotency keys: a second charge with
 * the same paymentId takes nothing more and answers the first outcome; a second
 * refund of the same providerReference gives nothing more back. Payments relies
 * on that to recover a payment left pending by a crash, and when two refunds of
 * one order race. A failure to answer throws; a decline is an outcome, not an error.
 */
export interface PaymentProvider {
  charge(request: ChargeRequest): Promise<ChargeOutcome>;
  refund(request: RefundRequest): Promise<void>;
}
