import { Logger } from '@nestjs/common';
import { Product } from '../../../domain/product.aggregate';
import { InMemoryProductRepository } from '../../../testing/in-memory-product.repository';
import { DEMO_PRODUCTS } from './demo-products';
import { SeedDemoProductsCommand } from './seed-demo-products.command';
import { SeedDemoProductsHandler } from './seed-demo-products.handler';

describe('SeedDemoProductsHandler', () => {
  let products: InMemoryProductRepository;
  let handler: SeedDemoProductsHandler;
  let logged: jest.SpyInstance;

  beforeEach(() => {
    products = new InMemoryProductRepository();
    handler = new SeedDemoProductsHandler(products);
    logged = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => logged.mockRestore());

  it('fills an empty catalog with a dozen demo products and logs how many', async () => {
    const added = await handler.execute(new SeedDemoProductsCommand());

    expect(added).toBe(12);
    expect(products.size).toBe(12);
    expect(logged).toHaveBeenCalledWith('Added 12 demo products to the empty catalog');
  });

  it('leaves a catalog that has any product alone', async () => {
    await products.given(Product.create({ sku: 'OWN-1', name: 'Our own', price: { amount: 100, currency: 'USD' }, stock: 1 }));

    await expect(handler.execute(new SeedDemoProductsCommand())).resolves.toBe(0);

    expect(products.size).toBe(1);
  });

  it('adds them once, however often it runs', async () => {
    await handler.execute(new SeedDemoProductsCommand());
    await expect(handler.execute(new SeedDemoProductsCommand())).resolves.toBe(0);
    expect(products.size).toBe(12);
  });

  describe('the demo products', () => {
    it('have distinct SKUs, ignoring case, and distinct names', () => {
      expect(new Set(DEMO_PRODUCTS.map((product) => product.sku.toLowerCase())).size).toBe(DEMO_PRODUCTS.length);
      expect(new Set(DEMO_PRODUCTS.map((product) => product.name)).size).toBe(DEMO_PRODUCTS.length);
    });

    it('pass every rule of the catalog, with a description, a price in cents and stock to sell', () => {
      for (const demo of DEMO_PRODUCTS) {
        const product = Product.create(demo);
        expect(product.description.length).toBeGreaterThan(0);
        expect(product.price.amount).toBeGreaterThan(0);
        expect(product.stock).toBeGreaterThan(0);
      }
    });
  });
});
