import { Product } from '../../../domain/product.aggregate';
import { InMemoryProductRepository } from '../../../testing/in-memory-product.repository';
import { InMemoryReservationRepository } from '../../../testing/in-memory-reservation.repository';
import { ReserveStockCommand } from './reserve-stock.command';
import { ReserveStockHandler } from './reserve-stock.handler';

describe('ReserveStockHandler', () => {
  const orderId = '5e0c1c9a-2f4b-4d6e-9a8b-0c1d2e3f4a5b';
  let products: InMemoryProductRepository;
  let reservations: InMemoryReservationRepository;
  let handler: ReserveStockHandler;
  let mug: Product;
  let pen: Product;

  const stockOf = (product: Product) => products.stored(product.id)?.stock;

  beforeEach(async () => {
    products = new InMemoryProductRepository();
    reservations = new InMemoryReservationRepository(products);
    handler = new ReserveStockHandler(reservations);
    mug = Product.create({ sku: 'MUG-1', name: 'Mug', price: { amount: 1200, currency: 'USD' }, stock: 10 });
    pen = Product.create({ sku: 'PEN-1', name: 'Pen', price: { amount: 300, currency: 'USD' }, stock: 3 });
    await products.given(mug, pen);
  });

  it('takes every line out of available stock and answers the lines named and priced by the catalog', async () => {
    const view = await handler.execute(
      new ReserveStockCommand(orderId, [
        { productId: mug.id, quantity: 4 },
        { productId: pen.id, quantity: 3 },
      ]),
    );

    expect(view).toEqual({
      reservationId: orderId,
      status: 'RESERVED',
      lines: expect.arrayContaining([
        { productId: mug.id, sku: 'MUG-1', name: 'Mug', unitPrice: { amount: 1200, currency: 'USD' }, quantity: 4 },
        { productId: pen.id, sku: 'PEN-1', name: 'Pen', unitPrice: { amount: 300, currency: 'USD' }, quantity: 3 },
      ]),
    });
    expect(view.lines.map((line) => line.productId)).toEqual([mug.id, pen.id].sort());
    expect(stockOf(mug)).toBe(6);
    expect(stockOf(pen)).toBe(0);
    expect(products.stored(mug.id)?.version).toBe(2);
  });

  it('reserves nothing at all when one line cannot be had, naming its product', async () => {
    const refusal = handler.execute(
      new ReserveStockCommand(orderId, [
        { productId: mug.id, quantity: 4 },
        { productId: pen.id, quantity: 4 },
      ]),
    );

    await expect(refusal).rejects.toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      message: `Cannot reserve 4 of ${pen.sku}: only 3 in stock`,
      details: expect.objectContaining({ productId: pen.id }),
    });
    expect(stockOf(mug)).toBe(10);
    expect(stockOf(pen)).toBe(3);
    expect(reservations.size).toBe(0);
  });

  it('answers PRODUCT_NOT_FOUND naming an unknown product, and reserves nothing', async () => {
    const unknown = '7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f';

    await expect(
      handler.execute(
        new ReserveStockCommand(orderId, [
          { productId: mug.id, quantity: 1 },
          { productId: unknown, quantity: 1 },
        ]),
      ),
    ).rejects.toMatchObject({
      code: 'PRODUCT_NOT_FOUND',
      details: { productId: unknown },
    });
    expect(stockOf(mug)).toBe(10);
    expect(reservations.size).toBe(0);
  });

  it('answers PRODUCT_NOT_FOUND for a malformed product id without asking the store', async () => {
    await expect(handler.execute(new ReserveStockCommand(orderId, [{ productId: 'mug', quantity: 1 }]))).rejects.toMatchObject({
      code: 'PRODUCT_NOT_FOUND',
      details: { productId: 'mug' },
    });
    expect(reservations.reserveCalls).toBe(0);
  });

  it('answers VALIDATION_FAILED for a request out of bounds, without asking the store', async () => {
    await expect(handler.execute(new ReserveStockCommand(orderId, []))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(handler.execute(new ReserveStockCommand('order-1', [{ productId: mug.id, quantity: 1 }]))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      problems: [expect.objectContaining({ field: 'reservationId' })],
    });
    await expect(handler.execute(new ReserveStockCommand(orderId, [{ productId: mug.id, quantity: 1001 }]))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(reservations.reserveCalls).toBe(0);
  });

  it('holds the units 1800 s unless asked for another hold, and keeps the first expiry on a repeat', async () => {
    const before = Date.now();
    await handler.execute(new ReserveStockCommand(orderId, [{ productId: mug.id, quantity: 1 }]));
    const other = '7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f';
    await handler.execute(new ReserveStockCommand(other, [{ productId: mug.id, quantity: 1 }], 60));
    const firstExpiry = reservations.stored(other)!.expiresAt;

    await handler.execute(new ReserveStockCommand(other, [{ productId: mug.id, quantity: 1 }], 5));

    const byDefault = reservations.stored(orderId)!;
    expect(byDefault.expiresAt.getTime() - byDefault.createdAt.getTime()).toBe(1800_000);
    expect(byDefault.createdAt.getTime()).toBeGreaterThanOrEqual(before);
    const held = reservations.stored(other)!;
    expect(held.expiresAt.getTime() - held.createdAt.getTime()).toBe(60_000);
    expect(held.expiresAt).toEqual(firstExpiry);
  });

  it.each([0, 604_801, 1.5, '60', null])('answers VALIDATION_FAILED for holdSeconds %p, without asking the store', async (holdSeconds) => {
    await expect(handler.execute(new ReserveStockCommand(orderId, [{ productId: mug.id, quantity: 1 }], holdSeconds as number))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      problems: [expect.objectContaining({ field: 'holdSeconds' })],
    });
    expect(reservations.reserveCalls).toBe(0);
  });

  it('reserves the lines of one product as one line', async () => {
    const view = await handler.execute(
      new ReserveStockCommand(orderId, [
        { productId: mug.id, quantity: 2 },
        { productId: mug.id, quantity: 5 },
      ]),
    );

    expect(view.lines).toEqual([expect.objectContaining({ productId: mug.id, quantity: 7 })]);
    expect(stockOf(mug)).toBe(3);
  });

  it('answers the reservation it made when asked again under the same id, taking nothing twice', async () => {
    const first = await handler.execute(new ReserveStockCommand(orderId, [{ productId: mug.id, quantity: 4 }]));

    const again = await handler.execute(new ReserveStockCommand(orderId, [{ productId: mug.id, quantity: 4 }]));
    const other = await handler.execute(new ReserveStockCommand(orderId, [{ productId: pen.id, quantity: 1 }]));

    expect(again).toEqual(first);
    expect(other).toEqual(first);
    expect(stockOf(mug)).toBe(6);
    expect(stockOf(pen)).toBe(3);
  });

  it('makes one reservation of concurrent requests under the same id', async () => {
    const views = await Promise.all(Array.from({ length: 3 }, () => handler.execute(new ReserveStockCommand(orderId, [{ productId: mug.id, quantity: 4 }]))));

    expect(new Set(views.map((view) => JSON.stringify(view))).size).toBe(1);
    expect(reservations.size).toBe(1);
    expect(stockOf(mug)).toBe(6);
  });

  it('never reserves more than there is, however many orders come at once', async () => {
    const orderIds = Array.from({ length: 5 }, (_, index) => `00000000-0000-4000-8000-00000000000${index}`);

    const outcomes = await Promise.allSettled(orderIds.map((id) => handler.execute(new ReserveStockCommand(id, [{ productId: pen.id, quantity: 1 }]))));

    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(3);
    expect(outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason.code] : []))).toEqual(['INSUFFICIENT_STOCK', 'INSUFFICIENT_STOCK']);
    expect(stockOf(pen)).toBe(0);
  });
});
