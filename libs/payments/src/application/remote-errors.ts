import { RemoteError } from '@tessera/messaging';
import { DomainError } from '@tessera/shared-kernel';
import { OrderConfirmationUnavailableError, PaymentProviderUnavailableError } from '../domain/payment.errors';

/**
 * Turns the coded failures that are deliberately not DomainErrors inside a use
 * case into the DomainError our caller gets: another context's answer passes
 * on unchanged (code, message, field problems, details), and a silent payment
 * provider, or an ordering that could not confirm a charged order, becomes
 * CONTEXT_UNAVAILABLE. Anything else stays as it is (INTERNAL
 * for the caller).
 */
export function asDomainError(error: unknown): unknown {
  if (error instanceof RemoteError) return error.asDomainError();
  if (error instanceof PaymentProviderUnavailableError) return new DomainError(error.code, error.message);
  if (error instanceof OrderConfirmationUnavailableError) return new DomainError(error.code, error.message, { paymentId: error.paymentId });
  return error;
}
