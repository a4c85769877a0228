import { Product } from '../../../domain/product.aggregate';
import { InMemoryProductRepository } from '../../../testing/in-memory-product.repository';
import { ListProductsHandler } from './list-products.handler';
import { ListProductsQuery } from './list-products.query';

describe('ListProductsHandler', () => {
  let products: InMemoryProductRepository;
  let handler: ListProductsHandler;

  async function given(...names: string[]): Promise<void> {
    for (const [index, name] of names.entries()) {
      await products.given(Product.create({ sku: `SKU-${index}`, name, price: { amount: 100 + index, currency: 'USD' }, stock: index }));
    }
  }

  const names = async (query: ListProductsQuery) => (await handler.execute(query)).items.map((item) => item.name);

  beforeEach(() => {
    products = new InMemoryProductRepository();
    handler = new ListProductsHandler(products);
  });

  it('answers the first 20 products by name, ignoring case, with the total', async () => {
    await given('banana', 'Apple', 'cherry');

    const page = await handler.execute(new ListProductsQuery());

    expect(page).toMatchObject({ total: 3, page: 1, limit: 20 });
    expect(page.items.map((item) => item.name)).toEqual(['Apple', 'banana', 'cherry']);
    expect(page.items[0]).toEqual(expect.objectContaining({ sku: 'SKU-1', price: { amount: 101, currency: 'USD' }, stock: 1 }));
  });

  it('orders products of the same name by id, so that pages neither overlap nor skip one', async () => {
    await given('Mug', 'Mug', 'Mug', 'Mug', 'Mug');

    const pages = await Promise.all([1, 2, 3].map((page) => handler.execute(new ListProductsQuery(page, 2))));
    const ids = pages.flatMap((page) => page.items.map((item) => item.id));

    expect(ids).toHaveLength(5);
    expect(ids).toEqual([...ids].sort());
    expect(pages.map((page) => page.total)).toEqual([5, 5, 5]);
  });

  it('answers an empty page past the end, with the total', async () => {
    await given('Mug');
    await expect(handler.execute(new ListProductsQuery(3, 10))).resolves.toEqual({ items: [], total: 1, page: 3, limit: 10 });
  });

  it('matches q as a case-insensitive substring of the name', async () => {
    await given('Coffee Mug', 'Tea Cup', 'MUGWORT tea');

    const page = await handler.execute(new ListProductsQuery(1, 20, 'mug'));

    expect(page.items.map((item) => item.name)).toEqual(['Coffee Mug', 'MUGWORT tea']);
    expect(page.total).toBe(2);
  });

  it('takes q literally: LIKE wildcards and escapes match only themselves', async () => {
    await given('100% Cotton Tee', '1000 Pieces Puzzle', 'snake_case Sticker', 'snakecase Poster', 'Back\\slash');

    expect(await names(new ListProductsQuery(1, 20, '%'))).toEqual(['100% Cotton Tee']);
    expect(await names(new ListProductsQuery(1, 20, '0%'))).toEqual(['100% Cotton Tee']);
    expect(await names(new ListProductsQuery(1, 20, '_'))).toEqual(['snake_case Sticker']);
    expect(await names(new ListProductsQuery(1, 20, '\\'))).toEqual(['Back\\slash']);
  });

  it('lists everything for an empty q', async () => {
    await given('Mug', 'Cup');
    expect((await handler.execute(new ListProductsQuery(1, 20, ''))).total).toBe(2);
  });

  it.each([
    ['page 0', new ListProductsQuery(0, 20), 'page'],
    ['a fractional page', new ListProductsQuery(1.5, 20), 'page'],
    ['limit 0', new ListProductsQuery(1, 0), 'limit'],
    ['limit 101', new ListProductsQuery(1, 101), 'limit'],
    ['a limit given as a string', new ListProductsQuery(1, '10' as unknown as number), 'limit'],
    ['a q that is not a string', new ListProductsQuery(1, 20, 5 as unknown as string), 'q'],
  ])('answers VALIDATION_FAILED for %s', async (_case, query, field) => {
    await expect(handler.execute(query)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', problems: [expect.objectContaining({ field })] });
  });

  it('serves pages of up to 100', async () => {
    await given(...Array.from({ length: 101 }, (_, index) => `Item ${String(index).padStart(3, '0')}`));

    const page = await handler.execute(new ListProductsQuery(1, 100));

    expect(page.items).toHaveLength(100);
    expect(page.total).toBe(101);
  });
});
