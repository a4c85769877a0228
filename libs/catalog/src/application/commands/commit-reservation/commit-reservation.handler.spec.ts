import { Logger } from '@nestjs/common';
import { Product } from '../../../domain/product.aggregate';
import { ReservationRequest } from '../../../domain/reservation-request.value-object';
import { InMemoryProductRepository } from '../../../testing/in-memory-product.repository';
import { InMemoryReservationRepository } from '../../../testing/in-memory-reservation.repository';
import { ReleaseReservationCommand } from '../release-reservation/release-reservation.command';
import { ReleaseReservationHandler } from '../release-reservation/release-reservation.handler';
import { CommitReservationCommand } from './commit-reservation.command';
import { CommitReservationHandler } from './commit-reservation.handler';

describe('CommitReservationHandler', () => {
  const orderId = '5e0c1c9a-2f4b-4d6e-9a8b-0c1d2e3f4a5b';
  let products: InMemoryProductRepository;
  let reservations: InMemoryReservationRepository;
  let handler: CommitReservationHandler;
  let mug: Product;
  let warn: jest.SpyInstance;

  beforeEach(async () => {
    products = new InMemoryProductRepository();
    reservations = new InMemoryReservationRepository(products);
    handler = new CommitReservationHandler(reservations);
    mug = Product.create({ sku: 'MUG-1', name: 'Mug', price: { amount: 1200, currency: 'USD' }, stock: 10 });
    await products.given(mug);
    await reservations.reserve(ReservationRequest.of(orderId, [{ productId: mug.id, quantity: 4 }]));
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => warn.mockRestore());

  it('commits a reserved reservation: the units stay sold', async () => {
    const view = await handler.execute(new CommitReservationCommand(orderId));

    expect(view).toEqual({ reservationId: orderId, status: 'COMMITTED', lines: [expect.objectContaining({ productId: mug.id, quantity: 4 })] });
    expect(reservations.stored(orderId)?.status).toBe('COMMITTED');
    expect(products.stored(mug.id)?.stock).toBe(6);
  });

  it('changes nothing when committed again', async () => {
    await handler.execute(new CommitReservationCommand(orderId));
    const updatedAt = reservations.stored(orderId)?.updatedAt;

    const view = await handler.execute(new CommitReservationCommand(orderId));

    expect(view.status).toBe('COMMITTED');
    expect(reservations.stored(orderId)?.updatedAt).toEqual(updatedAt);
    expect(products.stored(mug.id)?.stock).toBe(6);
  });

  it('leaves a released reservation released, answers it and logs a warning', async () => {
    const released = (await reservations.findById(orderId))!;
    released.release();
    await reservations.save(released);

    const view = await handler.execute(new CommitReservationCommand(orderId));

    expect(view.status).toBe('RELEASED');
    expect(products.stored(mug.id)?.stock).toBe(10);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(orderId));
    expect(warn).toHaveBeenCalledWith(expect.not.stringContaining('expiry'));
  });

  it('leaves a reservation released by expiry released, and says that expiry released it', async () => {
    const expired = (await reservations.findById(orderId))!;
    expired.expire(expired.expiresAt);
    await reservations.save(expired);

    const view = await handler.execute(new CommitReservationCommand(orderId));

    expect(view.status).toBe('RELEASED');
    expect(products.stored(mug.id)?.stock).toBe(10);
    expect(warn).toHaveBeenCalledWith(
      `Reservation ${orderId} was asked to commit after it was released by expiry (it was not committed in time): it stays released`,
    );
  });

  it('commits a reservation past its expiry that no sweeper has released yet', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    try {
      jest.setSystemTime((await reservations.findById(orderId))!.expiresAt.getTime() + 60_000);

      await expect(handler.execute(new CommitReservationCommand(orderId))).resolves.toMatchObject({ status: 'COMMITTED' });
    } finally {
      jest.useRealTimers();
    }
    expect(products.stored(mug.id)?.stock).toBe(6);
  });

  it.each(['7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f', 'order-1'])('answers RESERVATION_NOT_FOUND for %s', async (id) => {
    await expect(handler.execute(new CommitReservationCommand(id))).rejects.toMatchObject({ code: 'RESERVATION_NOT_FOUND' });
  });

  it('does its work inside a transaction it is handed', async () => {
    const transaction = { held: true };

    await handler.execute(new CommitReservationCommand(orderId), transaction);

    expect(reservations.transactionsJoined).toEqual([transaction]);
  });

  it('ends released, with the units back once, when a release runs at the same time', async () => {
    const release = new ReleaseReservationHandler(reservations);

    await Promise.all([handler.execute(new CommitReservationCommand(orderId)), release.execute(new ReleaseReservationCommand(orderId))]);

    expect(reservations.stored(orderId)?.status).toBe('RELEASED');
    expect(products.stored(mug.id)?.stock).toBe(10);
  });
});
