import { ValidationError } from '@tessera/shared-kernel';
import { Order } from './order.aggregate';
import { fromStoredEvent, toStoredEvent } from './order-domain-events';
import type { OrderLineInput } from './order-line.value-object';

const ORDER_ID = '0f8c2a1e-7d4b-4c3a-9e2f-1a2b3c4d5e6f';
const ADA = '5b6c7d8e-9f01-4a2b-8c3d-4e5f6a7b8c9d';
const MUG = '11111111-1111-4111-8111-111111111111';
const TEE = '22222222-2222-4222-8222-222222222222';
const PLACED_AT = new Date('2030-01-01T10:00:00.000Z');
const DUE_AT = new Date('2030-01-01T10:15:00.000Z');

const line = (productId: string, quantity: number, amount = 1250, overrides: Partial<OrderLineInput> = {}): OrderLineInput => ({
  productId,
  sku: productId === MUG ? 'MUG-1' : 'TEE-1',
  name: productId === MUG ? 'Mug' : 'Tee',
  unitPrice: { amount, currency: 'USD' },
  quantity,
  ...overrides,
});

const place = (lines: OrderLineInput[] = [line(MUG, 2), line(TEE, 1, 1999)]) =>
  Order.place({ id: ORDER_ID, userId: ADA, lines, paymentTimeoutSeconds: 900, now: PLACED_AT });

const secondsAfter = (seconds: number) => new Date(PLACED_AT.getTime() + seconds * 1000);

describe('Order', () => {
  describe('place', () => {
    it('awaits payment until now + the payment timeout, with line totals and a total in minor units', () => {
      const order = place();

      expect(order.toSnapshot()).toMatchObject({
        id: ORDER_ID,
        userId: ADA,
        status: 'AWAITING_PAYMENT',
        createdAt: PLACED_AT,
        updatedAt: PLACED_AT,
        expiresAt: DUE_AT,
        version: 1,
      });
      expect(order.lines.map((l) => l.toJSON())).toEqual([
        { productId: MUG, sku: 'MUG-1', name: 'Mug', unitPrice: { amount: 1250, currency: 'USD' }, quantity: 2, lineTotal: { amount: 2500, currency: 'USD' } },
        { productId: TEE, sku: 'TEE-1', name: 'Tee', unitPrice: { amount: 1999, currency: 'USD' }, quantity: 1, lineTotal: { amount: 1999, currency: 'USD' } },
      ]);
      expect(order.total.toJSON()).toEqual({ amount: 4499, currency: 'USD' });
      expect(order.cancellationReason).toBeUndefined();
    });

    it('records OrderPlaced as version 1 of its stream, with lines, total and expiresAt', () => {
      const [event, ...more] = place().pullEvents();

      expect(more).toEqual([]);
      expect(toStoredEvent(event)).toEqual({
        type: 'OrderPlaced',
        version: 1,
        occurredAt: PLACED_AT,
        data: {
          userId: ADA,
          lines: [expect.objectContaining({ productId: MUG, quantity: 2 }), expect.objectContaining({ productId: TEE, quantity: 1 })],
          total: { amount: 4499, currency: 'USD' },
          expiresAt: DUE_AT.toISOString(),
        },
      });
    });

    it('merges the lines of one product into one, in the place of the first', () => {
      const order = place([line(MUG, 2), line(TEE, 1), line(MUG, 3)]);

      expect(order.lines.map((l) => [l.productId, l.quantity, l.lineTotal.amount])).toEqual([
        [MUG, 5, 6250],
        [TEE, 1, 1250],
      ]);
      expect(order.total.amount).toBe(7500);
    });

    it('refuses merged lines of more than 1000 units', () => {
      expect(() => place([line(MUG, 600), line(MUG, 401)])).toThrow(ValidationError);
    });

    it.each([
      ['no line', []],
      ['51 lines', Array.from({ length: 51 }, () => line(MUG, 1))],
    ])('refuses %s', (_case, lines) => {
      expect(() => place(lines)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', problems: [expect.objectContaining({ field: 'lines' })] }));
    });

    it.each([0, 1001, 1.5, Number.NaN])('refuses the quantity %s', (quantity) => {
      expect(() => place([line(MUG, quantity)])).toThrow(expect.objectContaining({ problems: [expect.objectContaining({ field: 'lines.0.quantity' })] }));
    });

    it('refuses a fractional or negative unit price, and reports every bad line at once', () => {
      let error: ValidationError | undefined;
      try {
        place([line(MUG, 1, 10.5), line(TEE, 1, -1)]);
      } catch (caught) {
        error = caught as ValidationError;
      }
      expect(error?.problems.map((problem) => problem.field)).toEqual(['lines.0.unitPrice.amount', 'lines.1.unitPrice.amount']);
    });

    it('keeps a large order total exact', () => {
      const order = place(
        Array.from({ length: 50 }, (_, index) => line(`${String(index).padStart(8, '0')}-1111-4111-8111-111111111111`, 1000, 100_000_000_000)),
      );
      expect(order.total.amount).toBe(5_000_000_000_000_000);
    });
  });

  describe('confirm', () => {
    it('confirms an order awaiting payment and records OrderConfirmed with the payment', () => {
      const order = place();
      order.pullEvents();

      expect(order.confirm('pay-1', secondsAfter(60))).toBe(true);

      expect(order.status).toBe('CONFIRMED');
      expect(order.paymentId).toBe('pay-1');
      expect(order.updatedAt).toEqual(secondsAfter(60));
      expect(order.pullEvents().map(toStoredEvent)).toEqual([
        { type: 'OrderConfirmed', version: 2, occurredAt: secondsAfter(60), data: { paymentId: 'pay-1' } },
      ]);
    });

    it('is a no-op for the payment that confirmed it already', () => {
      const order = place();
      order.confirm('pay-1', secondsAfter(60));
      order.pullEvents();

      expect(order.confirm('pay-1', secondsAfter(61))).toBe(false);
      expect(order.pullEvents()).toEqual([]);
      expect(order.version).toBe(2);
    });

    it('refuses another payment of a confirmed order with ORDER_NOT_PAYABLE', () => {
      const order = place();
      order.confirm('pay-1', secondsAfter(60));
      expect(() => order.confirm('pay-2', secondsAfter(61))).toThrow(expect.objectContaining({ code: 'ORDER_NOT_PAYABLE' }));
    });

    it('refuses a cancelled order with ORDER_NOT_PAYABLE', () => {
      const order = place();
      order.cancel('CANCELLED_BY_CUSTOMER', secondsAfter(10));
      expect(() => order.confirm('pay-1', secondsAfter(20))).toThrow(expect.objectContaining({ code: 'ORDER_NOT_PAYABLE' }));
      expect(order.status).toBe('CANCELLED');
    });

    it('is a no-op for the payment that confirmed it, once it is cancelled: that confirmation happened', () => {
      const order = place();
      order.confirm('pay-1', secondsAfter(60));
      order.cancel('CANCELLED_BY_ADMIN', secondsAfter(70));
      order.pullEvents();

      expect(order.confirm('pay-1', secondsAfter(80))).toBe(false);
      expect(order.pullEvents()).toEqual([]);
      expect(order.status).toBe('CANCELLED');
      expect(() => order.confirm('pay-2', secondsAfter(80))).toThrow(expect.objectContaining({ code: 'ORDER_NOT_PAYABLE' }));
    });

    it('refuses an order whose time to pay is over, even before it is expired, with ORDER_NOT_PAYABLE', () => {
      const order = place();
      expect(() => order.confirm('pay-1', DUE_AT)).toThrow(expect.objectContaining({ code: 'ORDER_NOT_PAYABLE' }));
      expect(order.status).toBe('AWAITING_PAYMENT');
    });

    it('refuses an empty payment id', () => {
      expect(() => place().confirm('  ')).toThrow(ValidationError);
    });
  });

  describe('cancel', () => {
    it.each(['CANCELLED_BY_CUSTOMER', 'CANCELLED_BY_ADMIN'] as const)('cancels an order awaiting payment with %s', (reason) => {
      const order = place();
      order.pullEvents();

      order.cancel(reason, secondsAfter(30));

      expect(order.toSnapshot()).toMatchObject({ status: 'CANCELLED', cancellationReason: reason, updatedAt: secondsAfter(30), version: 2 });
      expect(order.pullEvents().map(toStoredEvent)).toEqual([{ type: 'OrderCancelled', version: 2, occurredAt: secondsAfter(30), data: { reason } }]);
    });

    it('cancels a confirmed order, keeping the payment to refund', () => {
      const order = place();
      order.confirm('pay-1', secondsAfter(60));

      order.cancel('CANCELLED_BY_ADMIN', secondsAfter(120));

      expect(order.toSnapshot()).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CANCELLED_BY_ADMIN', paymentId: 'pay-1', version: 3 });
    });

    it('refuses a cancelled order with ORDER_NOT_CANCELLABLE, recording nothing', () => {
      const order = place();
      order.cancel('CANCELLED_BY_CUSTOMER', secondsAfter(10));
      order.pullEvents();

      expect(() => order.cancel('CANCELLED_BY_ADMIN', secondsAfter(20))).toThrow(expect.objectContaining({ code: 'ORDER_NOT_CANCELLABLE' }));
      expect(order.pullEvents()).toEqual([]);
      expect(order.cancellationReason).toBe('CANCELLED_BY_CUSTOMER');
    });

    it('refuses PAYMENT_EXPIRED as a reason one can ask for', () => {
      expect(() => place().cancel('PAYMENT_EXPIRED' as never)).toThrow(RangeError);
    });
  });

  describe('expire', () => {
    it('does nothing before the time to pay is over', () => {
      const order = place();
      order.pullEvents();

      expect(order.isPastDue(secondsAfter(899))).toBe(false);
      expect(order.expire(secondsAfter(899))).toBe(false);
      expect(order.status).toBe('AWAITING_PAYMENT');
      expect(order.pullEvents()).toEqual([]);
    });

    it('cancels with PAYMENT_EXPIRED from expiresAt on', () => {
      const order = place();
      order.pullEvents();

      expect(order.isPastDue(DUE_AT)).toBe(true);
      expect(order.expire(DUE_AT)).toBe(true);

      expect(order.toSnapshot()).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_EXPIRED', version: 2 });
      expect(order.pullEvents().map((event) => event.type)).toEqual(['OrderCancelled']);
    });

    it('changes an order once, however often it is asked', () => {
      const order = place();
      expect(order.expire(DUE_AT)).toBe(true);
      expect(order.expire(secondsAfter(2000))).toBe(false);
      expect(order.version).toBe(2);
    });

    it('leaves confirmed and cancelled orders alone', () => {
      const paid = place();
      paid.confirm('pay-1', secondsAfter(60));
      const cancelled = place();
      cancelled.cancel('CANCELLED_BY_CUSTOMER', secondsAfter(60));

      expect(paid.expire(secondsAfter(2000))).toBe(false);
      expect(cancelled.expire(secondsAfter(2000))).toBe(false);
      expect([paid.status, cancelled.cancellationReason]).toEqual(['CONFIRMED', 'CANCELLED_BY_CUSTOMER']);
    });
  });

  describe('expireForLostStock', () => {
    it('expires an order awaiting payment before its time is over, and it cannot be paid afterwards', () => {
      const order = place();
      order.pullEvents();

      expect(order.expireForLostStock(secondsAfter(60))).toBe(true);

      expect(order.toSnapshot()).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_EXPIRED', version: 2 });
      expect(order.pullEvents().map((event) => event.type)).toEqual(['OrderCancelled']);
      expect(() => order.confirm('pay-1', secondsAfter(61))).toThrow(expect.objectContaining({ code: 'ORDER_NOT_PAYABLE' }));
    });

    it('leaves confirmed and cancelled orders alone', () => {
      const paid = place();
      paid.confirm('pay-1', secondsAfter(60));
      const cancelled = place();
      cancelled.cancel('CANCELLED_BY_CUSTOMER', secondsAfter(60));

      expect(paid.expireForLostStock(secondsAfter(120))).toBe(false);
      expect(cancelled.expireForLostStock(secondsAfter(120))).toBe(false);
      expect([paid.status, cancelled.cancellationReason, paid.version, cancelled.version]).toEqual(['CONFIRMED', 'CANCELLED_BY_CUSTOMER', 2, 2]);
    });
  });

  describe('fromSnapshot', () => {
    it('is the order its projection holds, and changes from there as the order rebuilt from its stream would', () => {
      const stored = place();
      stored.markStored();
      const fromSnapshot = Order.fromSnapshot(stored.toSnapshot());
      const fromHistory = Order.fromHistory(stored.history);
      expect(fromSnapshot.toSnapshot()).toEqual(fromHistory.toSnapshot());
      expect(fromSnapshot.storedVersion).toBe(1);

      fromSnapshot.confirm('pay-1', secondsAfter(60));
      fromHistory.confirm('pay-1', secondsAfter(60));
      expect(fromSnapshot.pullEvents()).toEqual(fromHistory.pullEvents());
      expect(fromSnapshot.toSnapshot()).toEqual(fromHistory.toSnapshot());
    });

    it('does not pretend to know the stream it was not rebuilt from', () => {
      const order = place();
      expect(() => Order.fromSnapshot(order.toSnapshot()).history).toThrow(/from its stream/);
    });
  });

  describe('fromHistory', () => {
    it('rebuilds the same order from its stored stream, at the version it was stored', () => {
      const original = place();
      original.confirm('pay-1', secondsAfter(60));
      original.cancel('CANCELLED_BY_CUSTOMER', secondsAfter(90));
      const stored = original.pullEvents().map((event) => JSON.parse(JSON.stringify(toStoredEvent(event))));

      const rebuilt = Order.fromHistory(stored.map((event) => fromStoredEvent(ORDER_ID, event)));

      expect(rebuilt.toSnapshot()).toEqual(original.toSnapshot());
      expect(rebuilt.storedVersion).toBe(3);
      expect(rebuilt.pullEvents()).toEqual([]);
      expect(rebuilt.history.map((event) => event.type)).toEqual(['OrderPlaced', 'OrderConfirmed', 'OrderCancelled']);
    });

    it('refuses a stream with a gap or a change after cancellation', () => {
      const order = place();
      order.cancel('CANCELLED_BY_CUSTOMER', secondsAfter(10));
      const [placed, cancelled] = order.pullEvents();
      const confirmedAfterwards = fromStoredEvent(ORDER_ID, { type: 'OrderConfirmed', version: 3, occurredAt: secondsAfter(20), data: { paymentId: 'p' } });
      const gap = fromStoredEvent(ORDER_ID, { type: 'OrderConfirmed', version: 3, occurredAt: secondsAfter(20), data: { paymentId: 'p' } });

      expect(() => Order.fromHistory([placed, cancelled, confirmedAfterwards])).toThrow(RangeError);
      expect(() => Order.fromHistory([placed, gap])).toThrow(RangeError);
      expect(() => Order.fromHistory([])).toThrow(RangeError);
    });

    it('refuses an event type it does not know', () => {
      expect(() => fromStoredEvent(ORDER_ID, { type: 'OrderShipped', version: 2, occurredAt: PLACED_AT, data: {} })).toThrow(/cannot be read/);
    });
  });
});
