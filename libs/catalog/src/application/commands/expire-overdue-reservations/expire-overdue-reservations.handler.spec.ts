import { Logger } from '@nestjs/common';
import { Product } from '../../../domain/product.aggregate';
import { InMemoryProductRepository } from '../../../testing/in-memory-product.repository';
import { InMemoryReservationRepository } from '../../../testing/in-memory-reservation.repository';
import { CommitReservationCommand } from '../commit-reservation/commit-reservation.command';
import { CommitReservationHandler } from '../commit-reservation/commit-reservation.handler';
import { ReleaseReservationCommand } from '../release-reservation/release-reservation.command';
import { ReleaseReservationHandler } from '../release-reservation/release-reservation.handler';
import { ReserveStockCommand } from '../reserve-stock/reserve-stock.command';
import { ReserveStockHandler } from '../reserve-stock/reserve-stock.handler';
import { ExpireOverdueReservationsCommand } from './expire-overdue-reservations.command';
import { ExpireOverdueReservationsHandler } from './expire-overdue-reservations.handler';

describe('ExpireOverdueReservationsHandler', () => {
  const orderId = (n: number) => `5e0c1c9a-2f4b-4d6e-9a8b-${String(n).padStart(12, '0')}`;
  let products: InMemoryProductRepository;
  let reservations: InMemoryReservationRepository;
  let handler: ExpireOverdueReservationsHandler;
  let reserve: ReserveStockHandler;
  let mug: Product;
  let pen: Product;
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;

  const stockOf = (product: Product) => products.stored(product.id)?.stock;
  const secondsFromNow = (seconds: number) => new Date(Date.now() + seconds * 1000);
  const sweep = (now: Date, limit = 100) => handler.execute(new ExpireOverdueReservationsCommand(limit, now));

  beforeEach(async () => {
    products = new InMemoryProductRepository();
    reservations = new InMemoryReservationRepository(products);
    handler = new ExpireOverdueReservationsHandler(reservations);
    reserve = new ReserveStockHandler(reservations);
    mug = Product.create({ sku: 'MUG-1', name: 'Mug', price: { amount: 1200, currency: 'USD' }, stock: 10 });
    pen = Product.create({ sku: 'PEN-1', name: 'Pen', price: { amount: 300, currency: 'USD' }, stock: 10 });
    await products.given(mug, pen);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('releases a reservation nobody committed in time, gives its units back and stores its event with it', async () => {
    await reserve.execute(
      new ReserveStockCommand(
        orderId(1),
        [
          { productId: mug.id, quantity: 4 },
          { productId: pen.id, quantity: 3 },
        ],
        60,
      ),
    );
    const now = secondsFromNow(61);

    await expect(sweep(now)).resolves.toBe(1);

    expect(reservations.stored(orderId(1))).toMatchObject({ status: 'RELEASED', releasedByExpiry: true, updatedAt: now });
    expect([stockOf(mug), stockOf(pen)]).toEqual([10, 10]);
    expect(reservations.eventsStored).toEqual([
      {
        pattern: 'catalog.reservation.expired',
        payload: {
          reservationId: orderId(1),
          lines: [
            { productId: mug.id, quantity: 4 },
            { productId: pen.id, quantity: 3 },
          ].sort((a, b) => (a.productId < b.productId ? -1 : 1)),
          occurredAt: now.toISOString(),
        },
      },
    ]);
    expect(warn).toHaveBeenCalledWith(`Reservation ${orderId(1)} was not committed in time: released 7 unit(s)`);
  });

  it('expires only RESERVED reservations whose hold has run out, and nothing on a second round', async () => {
    await reserve.execute(new ReserveStockCommand(orderId(1), [{ productId: mug.id, quantity: 1 }], 60));
    await reserve.execute(new ReserveStockCommand(orderId(2), [{ productId: mug.id, quantity: 2 }], 60));
    await reserve.execute(new ReserveStockCommand(orderId(3), [{ productId: mug.id, quantity: 3 }], 60));
    await reserve.execute(new ReserveStockCommand(orderId(4), [{ productId: pen.id, quantity: 4 }]));
    await new CommitReservationHandler(reservations).execute(new CommitReservationCommand(orderId(2)));
    await new ReleaseReservationHandler(reservations).execute(new ReleaseReservationCommand(orderId(3)));
    const now = secondsFromNow(120);

    await expect(sweep(now)).resolves.toBe(1);
    await expect(sweep(now)).resolves.toBe(0);

    expect([1, 2, 3, 4].map((n) => reservations.stored(orderId(n))?.status)).toEqual(['RELEASED', 'COMMITTED', 'RELEASED', 'RESERVED']);
    expect(reservations.stored(orderId(3))?.releasedByExpiry).toBe(false);
    expect(stockOf(mug)).toBe(8);
    expect(stockOf(pen)).toBe(6);
    const expiries = reservations.eventsStored.filter((event) => event.pattern === 'catalog.reservation.expired');
    expect(expiries.map((event) => event.payload.reservationId)).toEqual([orderId(1)]);
  });

  it('takes the longest overdue first, up to the limit of a round', async () => {
    await reserve.execute(new ReserveStockCommand(orderId(1), [{ productId: mug.id, quantity: 1 }], 300));
    await reserve.execute(new ReserveStockCommand(orderId(2), [{ productId: mug.id, quantity: 1 }], 100));
    await reserve.execute(new ReserveStockCommand(orderId(3), [{ productId: mug.id, quantity: 1 }], 200));

    await expect(sweep(secondsFromNow(400), 2)).resolves.toBe(2);

    expect(reservations.eventsStored.map((event) => event.payload.reservationId)).toEqual([orderId(2), orderId(3)]);
    expect(reservations.stored(orderId(1))?.status).toBe('RESERVED');
  });

  it('goes on with the others when one cannot be expired now, and expires it next round', async () => {
    await reserve.execute(new ReserveStockCommand(orderId(1), [{ productId: mug.id, quantity: 1 }], 60));
    await reserve.execute(new ReserveStockCommand(orderId(2), [{ productId: mug.id, quantity: 2 }], 60));
    reservations.failNextSave(new Error('statement timeout'));
    const now = secondsFromNow(61);

    await expect(sweep(now)).resolves.toBe(1);

    expect(error).toHaveBeenCalledWith(expect.stringContaining('statement timeout'));
    expect(error).toHaveBeenCalledWith(expect.stringContaining(orderId(1)));
    expect(reservations.stored(orderId(1))?.status).toBe('RESERVED');
    expect(reservations.stored(orderId(2))?.status).toBe('RELEASED');
    expect(stockOf(mug)).toBe(9);
    expect(reservations.eventsStored).toHaveLength(1);

    await expect(sweep(now)).resolves.toBe(1);
    expect(stockOf(mug)).toBe(10);
    expect(reservations.eventsStored).toHaveLength(2);
  });

  it('expires a reservation once when two sweepers reach it at the same time', async () => {
    await reserve.execute(new ReserveStockCommand(orderId(1), [{ productId: mug.id, quantity: 4 }], 60));
    const now = secondsFromNow(61);

    const counts = await Promise.all([sweep(now), sweep(now)]);

    expect(counts.sort()).toEqual([0, 1]);
    expect(stockOf(mug)).toBe(10);
    expect(reservations.eventsStored).toHaveLength(1);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('leaves a reservation committed between its load and its save committed, with no event', async () => {
    await reserve.execute(new ReserveStockCommand(orderId(1), [{ productId: mug.id, quantity: 4 }], 60));
    const commit = new CommitReservationHandler(reservations);

    const [expired] = await Promise.all([sweep(secondsFromNow(61)), commit.execute(new CommitReservationCommand(orderId(1)))]);

    expect(expired).toBe(0);
    expect(reservations.stored(orderId(1))?.status).toBe('COMMITTED');
    expect(stockOf(mug)).toBe(6);
    expect(reservations.eventsStored).toEqual([]);
  });
});
