import { InMemoryProductRepository } from '../../../testing/in-memory-product.repository';
import { RecordingEventPublisher } from '../../../testing/recording-event.publisher';
import { CreateProductCommand } from './create-product.command';
import { CreateProductHandler } from './create-product.handler';

describe('CreateProductHandler', () => {
  let products: InMemoryProductRepository;
  let events: RecordingEventPublisher;
  let handler: CreateProductHandler;

  beforeEach(() => {
    products = new InMemoryProductRepository();
    handler = new CreateProductHandler(products);
    events = products.outbox;
  });

  const mug = (sku = 'MUG-1') => new CreateProductCommand(sku, ' Stoneware Mug ', undefined, { amount: 1800, currency: 'USD' }, 12);

  it('stores the product and answers its view', async () => {
    const view = await handler.execute(mug());

    expect(view).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      sku: 'MUG-1',
      name: 'Stoneware Mug',
      description: '',
      price: { amount: 1800, currency: 'USD' },
      stock: 12,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updatedAt: view.createdAt,
    });
    expect(products.stored(view.id)).toMatchObject({ sku: 'MUG-1', name: 'Stoneware Mug', stock: 12, version: 1 });
  });

  it('publishes catalog.product.created with the id, sku and price', async () => {
    const view = await handler.execute(mug());

    expect(events.published).toEqual([
      {
        pattern: 'catalog.product.created',
        payload: { productId: view.id, sku: 'MUG-1', price: { amount: 1800, currency: 'USD' }, occurredAt: view.createdAt },
      },
    ]);
  });

  it('answers SKU_TAKEN for a SKU that exists in another case, and publishes nothing for it', async () => {
    await handler.execute(mug('MUG-1'));

    await expect(handler.execute(mug(' mug-1 '))).rejects.toMatchObject({ code: 'SKU_TAKEN' });

    expect(products.size).toBe(1);
    expect(events.patterns()).toEqual(['catalog.product.created']);
  });

  it('answers VALIDATION_FAILED naming every bad field, and stores nothing', async () => {
    const command = new CreateProductCommand('bad sku', '', 'fine', { amount: 1.5, currency: 'USD' }, -3);

    await expect(handler.execute(command)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      problems: expect.arrayContaining([
        expect.objectContaining({ field: 'sku' }),
        expect.objectContaining({ field: 'name' }),
        expect.objectContaining({ field: 'price.amount' }),
        expect.objectContaining({ field: 'stock' }),
      ]),
    });
    expect(products.size).toBe(0);
    expect(events.published).toEqual([]);
  });
});
