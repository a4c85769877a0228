import { RemoteError } from '@tessera/messaging';
import { DomainError } from '@tessera/shared-kernel';
import { PaymentProviderUnavailableError } from '../domain/payment.errors';
import { asDomainError } from './remote-errors';

describe('asDomainError', () => {
  it("passes another context's answer on with its code, message, field problems and details", () => {
    const converted = asDomainError(new RemoteError('VALIDATION_FAILED', 'bad', [{ field: 'orderId', message: 'must be a UUID' }], { hint: 'x' }));

    expect(converted).toBeInstanceOf(DomainError);
    expect(converted).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'bad',
      details: { hint: 'x', errors: [{ field: 'orderId', message: 'must be a UUID' }] },
    });
  });

  it('turns a silent provider into CONTEXT_UNAVAILABLE', () => {
    expect(asDomainError(new PaymentProviderUnavailableError())).toMatchObject({ code: 'CONTEXT_UNAVAILABLE' });
    expect(asDomainError(new PaymentProviderUnavailableError())).toBeInstanceOf(DomainError);
  });

  it('leaves any other failure as it is', () => {
    const failure = new Error('boom');
    expect(asDomainError(failure)).toBe(failure);
  });
});
