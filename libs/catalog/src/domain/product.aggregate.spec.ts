import { DomainError, Money, ValidationError } from '@tessera/shared-kernel';
import { NewProduct, Product, PRODUCT_LIMITS } from './product.aggregate';

const now = new Date('2025-01-02T03:04:05.000Z');
const later = new Date('2025-01-03T00:00:00.000Z');

function newProduct(overrides: Partial<Record<keyof NewProduct, unknown>> = {}): NewProduct {
  return { sku: 'MUG-1', name: 'Mug', description: 'A mug', price: { amount: 1200, currency: 'USD' }, stock: 10, ...overrides } as NewProduct;
}

function problemsOf(action: () => unknown): { field: string; message: string }[] {
  try {
    action();
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

function fieldsRefused(action: () => unknown): string[] {
  return problemsOf(action).map((problem) => problem.field);
}

describe('Product', () => {
  describe('create', () => {
    it('creates a product with a fresh id, version 1, and records that it was created', () => {
      const product = Product.create(newProduct(), now);

      expect(Product.isWellFormedId(product.id)).toBe(true);
      expect(product).toMatchObject({ sku: 'MUG-1', name: 'Mug', description: 'A mug', stock: 10, version: 1 });
      expect(product.price.equals(Money.of(1200, 'USD'))).toBe(true);
      expect(product.createdAt).toEqual(now);
      expect(product.updatedAt).toEqual(now);
      expect(product.pullEvents()).toEqual([
        expect.objectContaining({ type: 'ProductCreated', aggregateId: product.id, sku: 'MUG-1', stock: 10, occurredAt: now }),
      ]);
    });

    it('gives every product its own id', () => {
      expect(Product.create(newProduct()).id).not.toBe(Product.create(newProduct()).id);
    });

    it('trims the sku, name and description', () => {
      const product = Product.create(newProduct({ sku: '  MUG-1 ', name: ' Mug  ', description: '\n A mug \t' }));
      expect([product.sku, product.name, product.description]).toEqual(['MUG-1', 'Mug', 'A mug']);
    });

    it('defaults the description to empty', () => {
      expect(Product.create(newProduct({ description: undefined })).description).toBe('');
    });

    it('reports every problem at once', () => {
      const fields = fieldsRefused(() =>
        Product.create({ sku: '', name: '', description: 'x'.repeat(2001), price: { amount: -1, currency: 'USD' }, stock: -1 }),
      );
      expect(fields.sort()).toEqual(['description', 'name', 'price.amount', 'sku', 'stock']);
    });

    it('answers VALIDATION_FAILED, the code the gateway maps to 400', () => {
      expect(() => Product.create(newProduct({ name: '' }))).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    });

    describe('sku', () => {
      it.each(['A', 'abc.DEF_123-x', 'S'.repeat(64)])('accepts %j', (sku) => {
        expect(Product.create(newProduct({ sku })).sku).toBe(sku);
      });

      it.each([
        ['empty', ''],
        ['only spaces', '   '],
        ['65 characters', 'S'.repeat(65)],
        ['a space inside', 'MUG 1'],
        ['a slash', 'MUG/1'],
        ['a percent sign', 'MUG%'],
        ['a letter outside ASCII', 'MÜG-1'],
        ['a number', 42],
        ['null', null],
      ])('refuses %s', (_case, sku) => {
        expect(fieldsRefused(() => Product.create(newProduct({ sku })))).toEqual(['sku']);
      });
    });

    describe('name', () => {
      it('accepts 200 characters, counting an emoji as one', () => {
        expect(Product.create(newProduct({ name: 'n'.repeat(200) })).name).toHaveLength(200);
        expect(Product.create(newProduct({ name: '☕'.repeat(100) + '🍵'.repeat(100) })).name).toHaveLength(300);
      });

      it.each([
        ['empty', ''],
        ['only spaces', '  \t '],
        ['201 characters', 'n'.repeat(201)],
        ['a line break', 'Mug\nCup'],
        ['a NUL character', 'Mug\u0000'],
        ['not a string', 12],
        ['null', null],
      ])('refuses %s', (_case, name) => {
        expect(fieldsRefused(() => Product.create(newProduct({ name })))).toEqual(['name']);
      });
    });

    describe('description', () => {
      it('accepts 2000 characters with line breaks and tabs', () => {
        const description = `Line one\n\tLine two\r\n${'d'.repeat(2000 - 20)}`;
        expect(Product.create(newProduct({ description })).description).toBe(description);
      });

      it.each([
        ['2001 characters', 'd'.repeat(2001)],
        ['a NUL character', 'A\u0000B'],
        ['a bell character', 'A\u0007B'],
        ['not a string', 5],
        ['null', null],
      ])('refuses %s', (_case, description) => {
        expect(fieldsRefused(() => Product.create(newProduct({ description })))).toEqual(['description']);
      });
    });

    describe('price', () => {
      it('accepts a free product and the largest price', () => {
        expect(Product.create(newProduct({ price: { amount: 0, currency: 'USD' } })).price.amount).toBe(0);
        const max = PRODUCT_LIMITS.maxPriceAmount;
        expect(Product.create(newProduct({ price: { amount: max, currency: 'USD' } })).price.amount).toBe(max);
      });

      it.each([
        ['a negative amount', { amount: -1, currency: 'USD' }, 'price.amount'],
        ['a fractional amount', { amount: 10.5, currency: 'USD' }, 'price.amount'],
        ['an amount given as a string', { amount: '100', currency: 'USD' }, 'price.amount'],
        ['an amount above the limit', { amount: PRODUCT_LIMITS.maxPriceAmount + 1, currency: 'USD' }, 'price.amount'],
        ['another currency', { amount: 100, currency: 'EUR' }, 'price.currency'],
        ['no currency', { amount: 100 }, 'price.currency'],
        ['a bare number', 100, 'price'],
        ['null', null, 'price'],
      ])('refuses %s', (_case, price, field) => {
        expect(fieldsRefused(() => Product.create(newProduct({ price })))).toEqual([field]);
      });
    });

    describe('stock', () => {
      it('accepts zero and the largest stock', () => {
        expect(Product.create(newProduct({ stock: 0 })).stock).toBe(0);
        expect(Product.create(newProduct({ stock: PRODUCT_LIMITS.maxStock })).stock).toBe(PRODUCT_LIMITS.maxStock);
      });

      it.each([
        ['negative', -1],
        ['fractional', 1.5],
        ['above the limit', PRODUCT_LIMITS.maxStock + 1],
        ['a string', '5'],
        ['NaN', NaN],
        ['missing', undefined],
      ])('refuses %s', (_case, stock) => {
        expect(fieldsRefused(() => Product.create(newProduct({ stock })))).toEqual(['stock']);
      });
    });
  });

  describe('reconstitute', () => {
    it('rebuilds a stored product as it was, recording nothing', () => {
      const original = Product.create(newProduct(), now);
      const copy = Product.reconstitute(original.toSnapshot());

      expect(copy.toSnapshot()).toEqual(original.toSnapshot());
      expect(copy.pullEvents()).toEqual([]);
    });
  });

  describe('update', () => {
    function stored(): Product {
      const product = Product.create(newProduct(), now);
      product.pullEvents();
      return product;
    }

    it('changes the fields given, trimmed, and records one update carrying the price', () => {
      const product = stored();

      const changed = product.update({ name: ' Big mug ', price: { amount: 1500, currency: 'USD' } }, later);

      expect(changed).toBe(true);
      expect(product).toMatchObject({ name: 'Big mug', description: 'A mug', stock: 10 });
      expect(product.price.amount).toBe(1500);
      expect(product.updatedAt).toEqual(later);
      expect(product.createdAt).toEqual(now);
      const events = product.pullEvents();
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'ProductUpdated', aggregateId: product.id, changed: ['name', 'price'], occurredAt: later });
      expect(events[0].type === 'ProductUpdated' && events[0].price.amount).toBe(1500);
    });

    it('can empty the description', () => {
      const product = stored();
      product.update({ description: '' });
      expect(product.description).toBe('');
    });

    it('changes nothing and records nothing when the values are the same or absent', () => {
      const product = stored();

      expect(product.update({}, later)).toBe(false);
      expect(product.update({ name: 'Mug ', description: 'A mug', price: { amount: 1200, currency: 'USD' } }, later)).toBe(false);

      expect(product.updatedAt).toEqual(now);
      expect(product.pullEvents()).toEqual([]);
    });

    it('applies nothing when any field is refused, and names each refused field', () => {
      const product = stored();

      const fields = fieldsRefused(() => product.update({ name: 'Fine name', description: 'x'.repeat(2001), price: { amount: -5, currency: 'USD' } }));

      expect(fields.sort()).toEqual(['description', 'price.amount']);
      expect(product.name).toBe('Mug');
      expect(product.pullEvents()).toEqual([]);
    });

    it('holds a new name to the same rules as a first one', () => {
      expect(fieldsRefused(() => stored().update({ name: '   ' }))).toEqual(['name']);
      expect(fieldsRefused(() => stored().update({ name: null as unknown as string }))).toEqual(['name']);
    });
  });

  describe('adjustStock', () => {
    function stocked(stock: number): Product {
      const product = Product.create(newProduct({ stock }), now);
      product.pullEvents();
      return product;
    }

    it('adds received goods and records the adjustment with the new level', () => {
      const product = stocked(10);

      product.adjustStock(5, later);

      expect(product.stock).toBe(15);
      expect(product.updatedAt).toEqual(later);
      expect(product.pullEvents()).toEqual([
        expect.objectContaining({ type: 'StockAdjusted', aggregateId: product.id, delta: 5, stock: 15, occurredAt: later }),
      ]);
    });

    it('writes goods off, down to exactly zero', () => {
      const product = stocked(10);
      product.adjustStock(-10);
      expect(product.stock).toBe(0);
    });

    it('refuses to go below zero with INSUFFICIENT_STOCK, changing nothing', () => {
      const product = stocked(3);

      let refusal: unknown;
      try {
        product.adjustStock(-4, later);
      } catch (error) {
        refusal = error;
      }

      expect(refusal).toBeInstanceOf(DomainError);
      expect(refusal).toMatchObject({ code: 'INSUFFICIENT_STOCK', details: { available: 3, requested: 4 } });
      expect(product.stock).toBe(3);
      expect(product.updatedAt).toEqual(now);
      expect(product.pullEvents()).toEqual([]);
    });

    it.each([
      ['zero', 0],
      ['fractional', 1.5],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['a string', '3'],
      ['beyond the bound', PRODUCT_LIMITS.maxStock + 1],
      ['beyond the bound, negative', -(PRODUCT_LIMITS.maxStock + 1)],
    ])('refuses a delta that is %s', (_case, delta) => {
      const product = stocked(10);
      expect(fieldsRefused(() => product.adjustStock(delta as number))).toEqual(['delta']);
      expect(product.stock).toBe(10);
    });

    it('refuses to take stock above its limit', () => {
      const product = stocked(PRODUCT_LIMITS.maxStock - 1);
      expect(fieldsRefused(() => product.adjustStock(2))).toEqual(['delta']);
      expect(product.stock).toBe(PRODUCT_LIMITS.maxStock - 1);
    });
  });

  describe('isWellFormedId', () => {
    it.each(['0b7a1c7e-3f0f-4a7e-9d1a-2b7c1f0e9a11', '0B7A1C7E-3F0F-4A7E-9D1A-2B7C1F0E9A11'])('accepts the UUID %s', (id) => {
      expect(Product.isWellFormedId(id)).toBe(true);
    });

    it.each(['', 'abc', '0b7a1c7e-3f0f-4a7e-9d1a-2b7c1f0e9a1', "0b7a1c7e-3f0f-4a7e-9d1a-2b7c1f0e9a11' OR 1=1", 42, null])('refuses %j', (id) => {
      expect(Product.isWellFormedId(id)).toBe(false);
    });
  });
});
