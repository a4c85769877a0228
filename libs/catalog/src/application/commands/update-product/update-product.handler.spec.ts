import { Product } from '../../../domain/product.aggregate';
import { InMemoryProductRepository } from '../../../testing/in-memory-product.repository';
import { RecordingEventPublisher } from '../../../testing/recording-event.publisher';
import { UpdateProductCommand } from './update-product.command';
import { UpdateProductHandler } from './update-product.handler';

describe('UpdateProductHandler', () => {
  let products: InMemoryProductRepository;
  let events: RecordingEventPublisher;
  let handler: UpdateProductHandler;
  let mug: Product;

  beforeEach(async () => {
    products = new InMemoryProductRepository();
    handler = new UpdateProductHandler(products);
    events = products.outbox;
    mug = Product.create(
      { sku: 'MUG-1', name: 'Mug', description: 'Plain', price: { amount: 1200, currency: 'USD' }, stock: 7 },
      new Date('2025-01-01T00:00:00Z'),
    );
    await products.given(mug);
  });

  it('changes only the fields given and answers the product as stored', async () => {
    const view = await handler.execute(new UpdateProductCommand(mug.id, ' Big Mug ', undefined, { amount: 1500, currency: 'USD' }));

    expect(view).toMatchObject({ id: mug.id, sku: 'MUG-1', name: 'Big Mug', description: 'Plain', price: { amount: 1500, currency: 'USD' }, stock: 7 });
    expect(view.updatedAt > view.createdAt).toBe(true);
    expect(products.stored(mug.id)).toMatchObject({ name: 'Big Mug', description: 'Plain', version: 2 });
  });

  it('publishes catalog.product.updated with the price after the change', async () => {
    const view = await handler.execute(new UpdateProductCommand(mug.id, undefined, undefined, { amount: 999, currency: 'USD' }));

    expect(events.published).toEqual([
      { pattern: 'catalog.product.updated', payload: { productId: mug.id, price: { amount: 999, currency: 'USD' }, occurredAt: view.updatedAt } },
    ]);
  });

  it('stores and publishes nothing when nothing changes', async () => {
    const view = await handler.execute(new UpdateProductCommand(mug.id, 'Mug', 'Plain'));

    expect(view.updatedAt).toBe('2025-01-01T00:00:00.000Z');
    expect(products.stored(mug.id)?.version).toBe(1);
    expect(events.published).toEqual([]);
  });

  it('answers VALIDATION_FAILED and changes nothing when any field is refused', async () => {
    await expect(handler.execute(new UpdateProductCommand(mug.id, 'New name', 'x'.repeat(2001)))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      problems: [expect.objectContaining({ field: 'description' })],
    });

    expect(products.stored(mug.id)).toMatchObject({ name: 'Mug', version: 1 });
    expect(events.published).toEqual([]);
  });

  it.each(['7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f', 'not-a-uuid'])('answers PRODUCT_NOT_FOUND for %s', async (id) => {
    await expect(handler.execute(new UpdateProductCommand(id, 'Name'))).rejects.toMatchObject({ code: 'PRODUCT_NOT_FOUND' });
  });

  it('reapplies the change on top of a concurrent one instead of overwriting it', async () => {
    products.interleaveConcurrentChange((product) => product.adjustStock(5));

    const view = await handler.execute(new UpdateProductCommand(mug.id, 'Renamed'));

    expect(view).toMatchObject({ name: 'Renamed', stock: 12 });
    expect(products.stored(mug.id)).toMatchObject({ name: 'Renamed', stock: 12, version: 3 });
    expect(events.patterns()).toEqual(['catalog.product.updated']);
  });
});
