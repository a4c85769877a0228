import { Product } from '../../../domain/product.aggregate';
import { InMemoryProductRepository } from '../../../testing/in-memory-product.repository';
import { RecordingEventPublisher } from '../../../testing/recording-event.publisher';
import { VERSION_CONFLICT_ATTEMPTS } from '@tessera/shared-kernel';
import { AdjustStockCommand } from './adjust-stock.command';
import { AdjustStockHandler } from './adjust-stock.handler';

describe('AdjustStockHandler', () => {
  let products: InMemoryProductRepository;
  let events: RecordingEventPublisher;
  let handler: AdjustStockHandler;

  async function givenStock(stock: number): Promise<Product> {
    const product = Product.create({ sku: `SKU-${stock}`, name: 'Widget', price: { amount: 500, currency: 'USD' }, stock });
    await products.given(product);
    return product;
  }

  beforeEach(() => {
    products = new InMemoryProductRepository();
    handler = new AdjustStockHandler(products);
    events = products.outbox;
  });

  it('receives goods and answers the product with its new stock', async () => {
    const widget = await givenStock(10);

    const view = await handler.execute(new AdjustStockCommand(widget.id, 5));

    expect(view).toMatchObject({ id: widget.id, stock: 15 });
    expect(products.stored(widget.id)).toMatchObject({ stock: 15, version: 2 });
  });

  it('publishes catalog.stock.adjusted with the delta and the new stock', async () => {
    const widget = await givenStock(10);

    const view = await handler.execute(new AdjustStockCommand(widget.id, -4));

    expect(events.published).toEqual([
      { pattern: 'catalog.stock.adjusted', payload: { productId: widget.id, delta: -4, stock: 6, occurredAt: view.updatedAt } },
    ]);
  });

  it('answers INSUFFICIENT_STOCK when the stock would go below zero, and changes nothing', async () => {
    const widget = await givenStock(3);

    await expect(handler.execute(new AdjustStockCommand(widget.id, -4))).rejects.toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      message: `Cannot remove 4 of ${widget.sku}: only 3 in stock`,
    });

    expect(products.stored(widget.id)).toMatchObject({ stock: 3, version: 1 });
    expect(events.published).toEqual([]);
  });

  it.each([0, 2.5, Number.NaN])('answers VALIDATION_FAILED for the delta %s', async (delta) => {
    const widget = await givenStock(3);
    await expect(handler.execute(new AdjustStockCommand(widget.id, delta))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it.each(['7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f', 'nope'])('answers PRODUCT_NOT_FOUND for %s', async (id) => {
    await expect(handler.execute(new AdjustStockCommand(id, 1))).rejects.toMatchObject({ code: 'PRODUCT_NOT_FOUND' });
  });

  it('reloads and reapplies the delta when another adjustment was saved between its load and its save', async () => {
    const widget = await givenStock(10);
    products.interleaveConcurrentChange((product) => product.adjustStock(-7));

    const view = await handler.execute(new AdjustStockCommand(widget.id, 2));

    expect(view.stock).toBe(5);
    expect(products.stored(widget.id)).toMatchObject({ stock: 5, version: 3 });
    expect(events.published).toEqual([expect.objectContaining({ payload: expect.objectContaining({ delta: 2, stock: 5 }) })]);
  });

  it('checks the reapplied delta against the stock the concurrent change left', async () => {
    const widget = await givenStock(10);
    products.interleaveConcurrentChange((product) => product.adjustStock(-8));

    await expect(handler.execute(new AdjustStockCommand(widget.id, -5))).rejects.toMatchObject({ code: 'INSUFFICIENT_STOCK' });

    expect(products.stored(widget.id)).toMatchObject({ stock: 2, version: 2 });
    expect(events.published).toEqual([]);
  });

  it('loses no update among concurrent adjustments of one product', async () => {
    const widget = await givenStock(100);
    const deltas = [5, -3, 7, -10, 1, 2, -50, 8];

    await Promise.all(deltas.map((delta) => handler.execute(new AdjustStockCommand(widget.id, delta))));

    expect(products.stored(widget.id)).toMatchObject({ stock: 60, version: 1 + deltas.length });
    expect(events.published.map((event) => event.payload.delta as number).sort((a, b) => a - b)).toEqual([...deltas].sort((a, b) => a - b));
  });

  it('never takes the stock below zero, however concurrent write-offs interleave', async () => {
    const widget = await givenStock(3);

    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => handler.execute(new AdjustStockCommand(widget.id, -1))));

    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(3);
    const refusals = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason.code] : []));
    expect(refusals).toEqual(['INSUFFICIENT_STOCK', 'INSUFFICIENT_STOCK']);
    expect(products.stored(widget.id)?.stock).toBe(0);
  });

  it(`gives up after ${VERSION_CONFLICT_ATTEMPTS} attempts on a product that changes under every one of them`, async () => {
    const widget = await givenStock(10);
    products.interleaveConcurrentChange((product) => product.adjustStock(1), Infinity);

    await expect(handler.execute(new AdjustStockCommand(widget.id, 2))).rejects.toMatchObject({ code: 'CONCURRENT_MODIFICATION' });

    expect(products.concurrentChanges).toBe(VERSION_CONFLICT_ATTEMPTS);
    expect(products.stored(widget.id)?.stock).toBe(10 + VERSION_CONFLICT_ATTEMPTS);
    expect(events.published).toEqual([]);
  });
});
