import { Product } from '../../../domain/product.aggregate';
import { InMemoryProductRepository } from '../../../testing/in-memory-product.repository';
import { GetProductHandler } from './get-product.handler';
import { GetProductQuery } from './get-product.query';

describe('GetProductHandler', () => {
  let products: InMemoryProductRepository;
  let handler: GetProductHandler;
  let lamp: Product;

  beforeEach(async () => {
    products = new InMemoryProductRepository();
    handler = new GetProductHandler(products);
    lamp = Product.create(
      { sku: 'LAMP-1', name: 'Desk Lamp', description: 'Dimmable', price: { amount: 3900, currency: 'USD' }, stock: 4 },
      new Date('2025-03-01T10:00:00Z'),
    );
    await products.given(lamp);
  });

  it('answers the product with ISO dates and price as minor units', async () => {
    await expect(handler.execute(new GetProductQuery(lamp.id))).resolves.toEqual({
      id: lamp.id,
      sku: 'LAMP-1',
      name: 'Desk Lamp',
      description: 'Dimmable',
      price: { amount: 3900, currency: 'USD' },
      stock: 4,
      createdAt: '2025-03-01T10:00:00.000Z',
      updatedAt: '2025-03-01T10:00:00.000Z',
    });
  });

  it('answers PRODUCT_NOT_FOUND for an id no product has', async () => {
    await expect(handler.execute(new GetProductQuery('7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f'))).rejects.toMatchObject({
      code: 'PRODUCT_NOT_FOUND',
    });
  });

  it.each(['not-a-uuid', '', "1' OR '1'='1", `${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(13)}`])(
    'answers PRODUCT_NOT_FOUND for the malformed id %j without asking the store',
    async (id) => {
      await expect(handler.execute(new GetProductQuery(id))).rejects.toMatchObject({ code: 'PRODUCT_NOT_FOUND' });
      expect(products.findByIdCalls).toBe(0);
    },
  );

  it('answers PRODUCT_NOT_FOUND when no id is given at all', async () => {
    await expect(handler.execute(new GetProductQuery(undefined as unknown as string))).rejects.toMatchObject({ code: 'PRODUCT_NOT_FOUND' });
  });
});
