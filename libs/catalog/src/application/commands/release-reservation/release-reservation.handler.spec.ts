import { Product } from '../../../domain/product.aggregate';
import { ReservationRequest } from '../../../domain/reservation-request.value-object';
import { InMemoryProductRepository } from '../../../testing/in-memory-product.repository';
import { InMemoryReservationRepository } from '../../../testing/in-memory-reservation.repository';
import { CommitReservationCommand } from '../commit-reservation/commit-reservation.command';
import { CommitReservationHandler } from '../commit-reservation/commit-reservation.handler';
import { ReserveStockCommand } from '../reserve-stock/reserve-stock.command';
import { ReserveStockHandler } from '../reserve-stock/reserve-stock.handler';
import { ReleaseReservationCommand } from './release-reservation.command';
import { ReleaseReservationHandler } from './release-reservation.handler';

describe('ReleaseReservationHandler', () => {
  const orderId = '5e0c1c9a-2f4b-4d6e-9a8b-0c1d2e3f4a5b';
  let products: InMemoryProductRepository;
  let reservations: InMemoryReservationRepository;
  let handler: ReleaseReservationHandler;
  let mug: Product;
  let pen: Product;

  const stockOf = (product: Product) => products.stored(product.id)?.stock;

  beforeEach(async () => {
    products = new InMemoryProductRepository();
    reservations = new InMemoryReservationRepository(products);
    handler = new ReleaseReservationHandler(reservations);
    mug = Product.create({ sku: 'MUG-1', name: 'Mug', price: { amount: 1200, currency: 'USD' }, stock: 10 });
    pen = Product.create({ sku: 'PEN-1', name: 'Pen', price: { amount: 300, currency: 'USD' }, stock: 3 });
    await products.given(mug, pen);
    await reservations.reserve(
      ReservationRequest.of(orderId, [
        { productId: mug.id, quantity: 4 },
        { productId: pen.id, quantity: 3 },
      ]),
    );
  });

  it('gives every reserved unit back to stock', async () => {
    const view = await handler.execute(new ReleaseReservationCommand(orderId));

    expect(view).toMatchObject({ reservationId: orderId, status: 'RELEASED' });
    expect(view.lines).toHaveLength(2);
    expect(stockOf(mug)).toBe(10);
    expect(stockOf(pen)).toBe(3);
  });

  it('gives the units of a committed reservation back too, as for a refunded order', async () => {
    await new CommitReservationHandler(reservations).execute(new CommitReservationCommand(orderId));

    await handler.execute(new ReleaseReservationCommand(orderId));

    expect(reservations.stored(orderId)?.status).toBe('RELEASED');
    expect(stockOf(mug)).toBe(10);
  });

  it('gives the units back once, however often it is asked', async () => {
    await handler.execute(new ReleaseReservationCommand(orderId));

    const again = await handler.execute(new ReleaseReservationCommand(orderId));

    expect(again.status).toBe('RELEASED');
    expect(stockOf(mug)).toBe(10);
    expect(stockOf(pen)).toBe(3);
  });

  it('says which products have their units back, once, with the release', async () => {
    await handler.execute(new ReleaseReservationCommand(orderId));
    await handler.execute(new ReleaseReservationCommand(orderId));

    expect(reservations.eventsStored).toEqual([
      {
        pattern: 'catalog.reservation.released',
        payload: {
          reservationId: orderId,
          lines: expect.arrayContaining([
            { productId: mug.id, quantity: 4 },
            { productId: pen.id, quantity: 3 },
          ]),
        },
      },
    ]);
  });

  it('gives the units back once when two releases run at the same time', async () => {
    const views = await Promise.all([handler.execute(new ReleaseReservationCommand(orderId)), handler.execute(new ReleaseReservationCommand(orderId))]);

    expect(views.map((view) => view.status)).toEqual(['RELEASED', 'RELEASED']);
    expect(stockOf(mug)).toBe(10);
    expect(stockOf(pen)).toBe(3);
    expect(products.stored(mug.id)?.version).toBe(3);
  });

  it('answers an empty released reservation for an unknown id, so that a compensation always runs', async () => {
    const unknown = '7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f';

    await expect(handler.execute(new ReleaseReservationCommand(unknown))).resolves.toEqual({ reservationId: unknown, status: 'RELEASED', lines: [] });
    await expect(handler.execute(new ReleaseReservationCommand(unknown))).resolves.toEqual({ reservationId: unknown, status: 'RELEASED', lines: [] });
  });

  it('answers the same for a malformed id, without asking the store', async () => {
    await expect(handler.execute(new ReleaseReservationCommand('order-1'))).resolves.toEqual({ reservationId: 'order-1', status: 'RELEASED', lines: [] });
    expect(reservations.findByIdCalls).toBe(0);
  });

  it('makes a reservation that arrives after its release take nothing', async () => {
    const late = '7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f';
    await handler.execute(new ReleaseReservationCommand(late));

    const view = await new ReserveStockHandler(reservations).execute(new ReserveStockCommand(late, [{ productId: mug.id, quantity: 2 }]));

    expect(view).toEqual({ reservationId: late, status: 'RELEASED', lines: [] });
    expect(stockOf(mug)).toBe(6);
  });

  it('does its work inside a transaction it is handed', async () => {
    const transaction = { held: true };

    await handler.execute(new ReleaseReservationCommand(orderId), transaction);

    expect(reservations.transactionsJoined).toEqual([transaction]);
    expect(stockOf(mug)).toBe(10);
  });
});
