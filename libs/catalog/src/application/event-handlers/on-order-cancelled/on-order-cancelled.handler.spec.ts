import { Product } from '../../../domain/product.aggregate';
import { ReservationRequest } from '../../../domain/reservation-request.value-object';
import { InMemoryProductRepository } from '../../../testing/in-memory-product.repository';
import { InMemoryReservationRepository } from '../../../testing/in-memory-reservation.repository';
import { ReleaseReservationHandler } from '../../commands/release-reservation/release-reservation.handler';
import { OnOrderCancelledHandler } from './on-order-cancelled.handler';
import { FakeInbox, FakeOutbox } from '@tessera/messaging/testing';

describe('OnOrderCancelledHandler', () => {
  const orderId = '5e0c1c9a-2f4b-4d6e-9a8b-0c1d2e3f4a5b';
  const cancelled = (eventId = 'e1000000-0000-4000-8000-000000000001', order = orderId) => ({
    eventId,
    occurredAt: '2025-01-02T03:04:05.000Z',
    version: 1,
    orderId: order,
    reason: 'PAYMENT_EXPIRED' as const,
  });
  let products: InMemoryProductRepository;
  let reservations: InMemoryReservationRepository;
  let inbox: FakeInbox;
  let handler: OnOrderCancelledHandler;
  let mug: Product;

  beforeEach(async () => {
    products = new InMemoryProductRepository();
    reservations = new InMemoryReservationRepository(products);
    inbox = new FakeInbox();
    handler = new OnOrderCancelledHandler(inbox.asInbox(), new FakeOutbox().asOutbox(), new ReleaseReservationHandler(reservations));
    mug = Product.create({ sku: 'MUG-1', name: 'Mug', price: { amount: 1200, currency: 'USD' }, stock: 10 });
    await products.given(mug);
    await reservations.reserve(ReservationRequest.of(orderId, [{ productId: mug.id, quantity: 4 }]));
  });

  it("releases the order's reservation inside the inbox's transaction, giving its units back", async () => {
    await handler.execute(cancelled());

    expect(reservations.stored(orderId)?.status).toBe('RELEASED');
    expect(reservations.transactionsJoined).toEqual(inbox.transactions);
    expect(products.stored(mug.id)?.stock).toBe(10);
  });

  it('gives the units back once, when the event comes again or after the synchronous release', async () => {
    await handler.execute(cancelled());
    await handler.execute(cancelled());
    await handler.execute(cancelled('e2000000-0000-4000-8000-000000000002'));

    expect(products.stored(mug.id)?.stock).toBe(10);
  });

  it('is done with an event whose order has no reservation', async () => {
    await expect(handler.execute(cancelled(undefined, '7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f'))).resolves.toBeUndefined();
    expect(products.stored(mug.id)?.stock).toBe(6);
  });
});
