import { Logger } from '@nestjs/common';
import { Product } from '../../../domain/product.aggregate';
import { ReservationRequest } from '../../../domain/reservation-request.value-object';
import { InMemoryProductRepository } from '../../../testing/in-memory-product.repository';
import { InMemoryReservationRepository } from '../../../testing/in-memory-reservation.repository';
import { CommitReservationHandler } from '../../commands/commit-reservation/commit-reservation.handler';
import { OnOrderConfirmedHandler } from './on-order-confirmed.handler';
import { FakeInbox, FakeOutbox } from '@tessera/messaging/testing';
import { RecentCommits } from '../../recent-commits';
import { CommitReservationCommand } from '../../commands/commit-reservation/commit-reservation.command';

describe('OnOrderConfirmedHandler', () => {
  const orderId = '5e0c1c9a-2f4b-4d6e-9a8b-0c1d2e3f4a5b';
  const confirmed = (eventId = 'e1000000-0000-4000-8000-000000000001', order = orderId) => ({
    eventId,
    occurredAt: '2025-01-02T03:04:05.000Z',
    version: 1,
    orderId: order,
    paymentId: 'f1000000-0000-4000-8000-000000000001',
  });
  let products: InMemoryProductRepository;
  let reservations: InMemoryReservationRepository;
  let inbox: FakeInbox;
  let handler: OnOrderConfirmedHandler;
  let mug: Product;
  let warn: jest.SpyInstance;

  beforeEach(async () => {
    products = new InMemoryProductRepository();
    reservations = new InMemoryReservationRepository(products);
    inbox = new FakeInbox();
    handler = new OnOrderConfirmedHandler(reservations, inbox.asInbox(), new FakeOutbox().asOutbox(), new CommitReservationHandler(reservations));
    mug = Product.create({ sku: 'MUG-1', name: 'Mug', price: { amount: 1200, currency: 'USD' }, stock: 10 });
    await products.given(mug);
    await reservations.reserve(ReservationRequest.of(orderId, [{ productId: mug.id, quantity: 4 }]));
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => warn.mockRestore());

  it("commits the order's reservation inside the inbox's transaction", async () => {
    await handler.execute(confirmed());

    expect(reservations.stored(orderId)?.status).toBe('COMMITTED');
    expect(reservations.transactionsJoined).toEqual(inbox.transactions);
    expect(inbox.transactions).toHaveLength(1);
    expect(products.stored(mug.id)?.stock).toBe(6);
  });

  it('changes nothing, opening no transaction, when the event comes again or a second event confirms the same order', async () => {
    await handler.execute(confirmed());
    const afterFirst = reservations.stored(orderId);

    await handler.execute(confirmed());
    await handler.execute(confirmed('e2000000-0000-4000-8000-000000000002'));

    expect(inbox.transactions).toHaveLength(1);
    expect(reservations.stored(orderId)).toEqual(afterFirst);
    expect(products.stored(mug.id)?.stock).toBe(6);
  });

  it('reads nothing when this process has just committed the reservation itself', async () => {
    const recentCommits = new RecentCommits();
    const commit = new CommitReservationHandler(reservations, recentCommits);
    handler = new OnOrderConfirmedHandler(reservations, inbox.asInbox(), new FakeOutbox().asOutbox(), commit, recentCommits);
    await commit.execute(new CommitReservationCommand(orderId));
    const reads = jest.spyOn(reservations, 'findStatus');

    await handler.execute(confirmed());

    expect(reads).not.toHaveBeenCalled();
    expect(inbox.transactions).toHaveLength(0);
    expect(reservations.stored(orderId)?.status).toBe('COMMITTED');
  });

  it('is done with an event whose order has no reservation, with a warning, rather than failing it forever', async () => {
    const unknown = '7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f';

    await expect(handler.execute(confirmed(undefined, unknown))).resolves.toBeUndefined();

    expect(warn).toHaveBeenCalledWith(expect.stringContaining(unknown));
    expect(reservations.size).toBe(1);
  });
});
