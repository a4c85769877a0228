import { randomUUID } from 'node:crypto';
import { Order } from '../../domain/order.aggregate';
import { StoredOrdersAwaitingPayment } from './stored-orders-awaiting-payment';

describe('StoredOrdersAwaitingPayment', () => {
  const placedAt = new Date('2030-01-01T10:00:00.000Z');
  const placed = () =>
    Order.place({
      id: randomUUID(),
      userId: randomUUID(),
      lines: [{ productId: randomUUID(), sku: 'MUG-1', name: 'Mug', unitPrice: { amount: 1200, currency: 'USD' }, quantity: 1 }],
      paymentTimeoutSeconds: 900,
      now: placedAt,
    });

  it('keeps an order stored awaiting payment, whatever the case of the id it is asked by', () => {
    const memory = new StoredOrdersAwaitingPayment();
    const order = placed();
    memory.stored(order.toSnapshot());
    expect(memory.find(order.id.toUpperCase())).toEqual(order.toSnapshot());
  });

  it('keeps no order that has left awaiting payment, and forgets the state it kept before', () => {
    const memory = new StoredOrdersAwaitingPayment();
    const order = placed();
    memory.stored(order.toSnapshot());
    order.confirm('pay-1', new Date('2030-01-01T10:01:00.000Z'));
    memory.stored(order.toSnapshot());
    expect(memory.find(order.id)).toBeUndefined();
  });

  it('forgets an order when told, and the oldest stored beyond ten thousand, always keeping the newest five thousand', () => {
    const memory = new StoredOrdersAwaitingPayment();
    const orders = Array.from({ length: 10_001 }, placed);
    for (const order of orders) memory.stored(order.toSnapshot());
    expect(memory.find(orders[0].id)).toBeUndefined();
    expect(orders.filter((order) => memory.find(order.id) !== undefined).length).toBeLessThanOrEqual(10_000);
    expect(orders.slice(5_001).every((order) => memory.find(order.id) !== undefined)).toBe(true);
    memory.forget(orders[5_001].id);
    expect(memory.find(orders[5_001].id)).toBeUndefined();
    expect(memory.find(orders[10_000].id)).toBeDefined();
  });
});
