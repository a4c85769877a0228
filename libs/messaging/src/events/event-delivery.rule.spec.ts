import { Logger } from '@nestjs/common';
import { ERROR_CODES } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';
import { RemoteError } from '../errors/remote.error';
import { ContextUnreachableError } from '../resilience/context-unreachable.error';
import { FakeDeadLetters } from '../testing/fake-dead-letters';
import { EventDeliveryRule } from './event-delivery.rule';
import { markRedelivered } from './first-delivery';

describe('EventDeliveryRule', () => {
  const MAX_ATTEMPTS = 2;
  let deadLetters: FakeDeadLetters;
  let rule: EventDeliveryRule;
  let lookups: jest.SpyInstance;

  beforeEach(() => {
    deadLetters = new FakeDeadLetters();
    rule = new EventDeliveryRule(deadLetters.asDeadLetters(), 'catalog', MAX_ATTEMPTS);
    lookups = jest.spyOn(deadLetters, 'find');
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  const event = (publication?: number) => ({
    eventId: 'e0000000-0000-4000-8000-000000000001',
    occurredAt: '2026-11-30T00:00:00.000Z',
    version: 1,
    publication,
  });
  const failing = async () => {
    throw new Error('not yet');
  };

  it("runs an event's first delivery without looking for a dead letter of it, which cannot exist yet", async () => {
    const handled = jest.fn(async () => undefined);
    await rule.deliver(event(1), 'ordering.order.confirmed', handled);
    expect(handled).toHaveBeenCalledTimes(1);
    expect(lookups).not.toHaveBeenCalled();
  });

  it('acknowledges a dead letter without running it when it comes again: published again, delivered again by a broker, or uncounted', async () => {
    await expect(rule.deliver(event(1), 'ordering.order.confirmed', failing)).rejects.toMatchObject({ code: ERROR_CODES.EVENT_NOT_PROCESSED });
    await rule.deliver(event(2), 'ordering.order.confirmed', failing);
    expect(deadLetters.deadOf('catalog')).toEqual([event().eventId]);

    const handled = jest.fn(async () => undefined);
    const redelivered = event(1);
    markRedelivered(redelivered);
    for (const again of [event(3), redelivered, event(undefined)]) await rule.deliver(again, 'ordering.order.confirmed', handled);
    expect(handled).not.toHaveBeenCalled();
  });

  it.each([
    ['a context it asks is unreachable', new ContextUnreachableError('payments did not answer')],
    ['a context it asks answers that it is unavailable', new RemoteError(ERROR_CODES.CONTEXT_UNAVAILABLE, 'payments is unavailable')],
    ['a service outside the shop does not answer it', new DomainError(ERROR_CODES.CONTEXT_UNAVAILABLE, 'The payment provider did not answer the refund')],
    ['its own database cannot serve', Object.assign(new Error('Connection terminated unexpectedly'), { code: undefined })],
  ])('keeps an event its handler fails while %s, past the limit of a dead letter, and processes it once the outage ends', async (_, outage) => {
    const failingAsAway = async () => {
      throw outage;
    };
    for (let publication = 1; publication <= MAX_ATTEMPTS * 3; publication++) {
      await expect(rule.deliver(event(publication), 'payments.payment.succeeded', failingAsAway)).rejects.toMatchObject({
        code: ERROR_CODES.EVENT_NOT_PROCESSED,
      });
    }
    expect(deadLetters.deadOf('catalog')).toEqual([]);

    const handled = jest.fn(async () => undefined);
    await expect(rule.deliver(event(MAX_ATTEMPTS * 3 + 1), 'payments.payment.succeeded', handled)).resolves.toEqual({ outcome: 'processed' });
    expect(handled).toHaveBeenCalledTimes(1);
    expect(deadLetters.failures.size).toBe(0);
  });

  it('makes a dead letter of an event whose handler fails of itself the limit of times, its failures during an outage apart', async () => {
    const unavailable = async () => {
      throw new ContextUnreachableError('payments did not answer');
    };
    await expect(rule.deliver(event(1), 'payments.payment.succeeded', unavailable)).rejects.toMatchObject({ code: ERROR_CODES.EVENT_NOT_PROCESSED });
    await expect(rule.deliver(event(2), 'payments.payment.succeeded', failing)).rejects.toMatchObject({ code: ERROR_CODES.EVENT_NOT_PROCESSED });
    await expect(rule.deliver(event(3), 'payments.payment.succeeded', failing)).resolves.toMatchObject({ outcome: 'dead-lettered' });
    expect(deadLetters.deadOf('catalog')).toEqual([event().eventId]);
  });

  it.each(['not-a-uuid-1', '', 'e0000000-0000-4000-8000-00000000000Z'])(
    'drops an event whose id is not a UUID (%j) without running it or counting it, so that it does not come back forever',
    async (eventId) => {
      const handled = jest.fn(async () => undefined);
      const recorded = jest.spyOn(deadLetters, 'recordFailure');

      await expect(rule.deliver({ ...event(1), eventId }, 'ordering.order.confirmed', handled)).resolves.toMatchObject({
        outcome: 'rejected',
        failure: { code: ERROR_CODES.VALIDATION_FAILED },
      });
      expect(handled).not.toHaveBeenCalled();
      expect(recorded).not.toHaveBeenCalled();
    },
  );
});
