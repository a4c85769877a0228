import { PATTERN_HANDLER_METADATA, PATTERN_METADATA } from '@nestjs/microservices/constants';
import { PatternHandler } from '@nestjs/microservices/enums/pattern-handler.enum';
import { ORDERING_EVENTS, PAYMENTS_PATTERNS } from '@tessera/contracts';
import { PaymentsMessagesController } from './payments.messages.controller';

describe('PaymentsMessagesController', () => {
  const execute = jest.fn(async (input: unknown) => input);
  const handler = { execute } as never;
  const controller = new PaymentsMessagesController(handler, handler, handler, handler, handler);
  const prototype = PaymentsMessagesController.prototype as unknown as Record<string, object>;
  const methods = Object.getOwnPropertyNames(prototype).filter((name) => name !== 'constructor');
  const served = (kind: PatternHandler) =>
    methods
      .filter((method) => Reflect.getMetadata(PATTERN_HANDLER_METADATA, prototype[method]) === kind)
      .flatMap((method) => (Reflect.getMetadata(PATTERN_METADATA, prototype[method]) as string[]) ?? []);

  beforeEach(() => execute.mockClear());

  it('serves every request of PAYMENTS_PATTERNS, each exactly once', () => {
    expect(served(PatternHandler.MESSAGE).sort()).toEqual(Object.values(PAYMENTS_PATTERNS).sort());
  });

  it('consumes ordering.order.cancelled', () => {
    expect(served(PatternHandler.EVENT)).toEqual([ORDERING_EVENTS.ORDER_CANCELLED]);
  });

  it('hands each request to its use case with the fields of the contract', async () => {
    const orderId = '4d1c2b3a-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
    const event = { eventId: 'e1', occurredAt: '2030-01-01T00:00:00.000Z', version: 1, orderId, reason: 'PAYMENT_EXPIRED' as const };
    await controller.payOrder({ orderId, userId: 'u1', paymentMethod: 'pm_card_visa', idempotencyKey: 'k1' });
    await controller.payOrder({ orderId, userId: 'u1', paymentMethod: 'pm_card_visa' });
    await controller.getPayment({ paymentId: 'p1', requester: { userId: 'u1', isAdmin: true } });
    await controller.refundOrder({ orderId });
    await controller.onOrderCancelled(event);

    expect(execute.mock.calls.map(([input]) => ({ ...(input as object) }))).toEqual([
      { orderId, userId: 'u1', paymentMethod: 'pm_card_visa', idempotencyKey: 'k1' },
      { orderId, userId: 'u1', paymentMethod: 'pm_card_visa', idempotencyKey: undefined },
      { paymentId: 'p1', requester: { userId: 'u1', isAdmin: true } },
      { orderId },
      event,
    ]);
  });
});
