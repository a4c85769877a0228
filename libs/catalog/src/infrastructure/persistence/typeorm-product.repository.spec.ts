import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, QueryFailedError } from 'typeorm';
import { AdjustStockCommand } from '../../application/commands/adjust-stock/adjust-stock.command';
import { AdjustStockHandler } from '../../application/commands/adjust-stock/adjust-stock.handler';
import { ProductEventPublisher } from '../../application/product-event.publisher';
import { Product } from '../../domain/product.aggregate';
import { ProductVersionConflictError } from '../../domain/product.repository';
import { RecordingEventPublisher } from '../../testing/recording-event.publisher';
import { CreateCatalogProducts1795450000000 } from '../migrations/create-catalog-products.migration';
import { ProductOrmEntity } from './product.orm-entity';
import { TypeOrmProductRepository } from './typeorm-product.repository';

// The repository's SQL against a real Postgres, migrated as at start: what the handler specs cannot show. It needs a
// server (the embedded one cannot load inside jest), so it runs where the e2e suites do: with CI=true or TEST_POSTGRES_URL.
const adminUrl = process.env.TEST_POSTGRES_URL ?? (process.env.CI === 'true' ? 'postgres://postgres@127.0.0.1:5432/postgres' : undefined);

(adminUrl ? describe : describe.skip)('TypeOrmProductRepository on Postgres', () => {
  const database = `tessera_catalog_spec_${randomBytes(6).toString('hex')}`;
  let dataSource: DataSource;
  let repository: TypeOrmProductRepository;

  const product = (sku: string, name = `Product ${sku}`, amount = 1000, stock = 5) =>
    Product.create({ sku, name, description: `About ${name}`, price: { amount, currency: 'USD' }, stock });

  async function asAdmin(sql: string): Promise<void> {
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(sql);
    } finally {
      await admin.end();
    }
  }

  beforeAll(async () => {
    await asAdmin(`CREATE DATABASE ${database}`);
    const url = new URL(adminUrl!);
    url.pathname = `/${database}`;
    dataSource = await new DataSource({
      type: 'postgres',
      url: url.toString(),
      extra: { max: 10 },
      schema: 'catalog',
      entities: [ProductOrmEntity],
      migrations: [CreateCatalogProducts1795450000000],
      migrationsTableName: 'migrations',
    }).initialize();
    await dataSource.query('CREATE SCHEMA IF NOT EXISTS catalog');
    await dataSource.runMigrations();
    repository = new TypeOrmProductRepository(dataSource.getRepository(ProductOrmEntity));
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await asAdmin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  beforeEach(async () => {
    await dataSource.query('TRUNCATE catalog.products');
  });

  it('stores a product and loads it back as it was, a price beyond 32 bits included', async () => {
    const original = product('BIG-1', 'Grand Piano', 100_000_000_000, 2);
    await repository.add(original);

    const loaded = await repository.findById(original.id);

    expect(loaded?.toSnapshot()).toEqual(original.toSnapshot());
    expect(loaded?.price.amount).toBe(100_000_000_000);
  });

  it('answers null for an unknown id, and for a malformed one without an SQL error', async () => {
    await expect(repository.findById('7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f')).resolves.toBeNull();
    await expect(repository.findById("x' OR 1=1 --")).resolves.toBeNull();
  });

  it('turns the unique violation of a SKU that differs only in case into SKU_TAKEN', async () => {
    await repository.add(product('Mug-1'));

    await expect(repository.add(product('MUG-1'))).rejects.toMatchObject({ code: 'SKU_TAKEN', message: expect.not.stringContaining('duplicate key') });
  });

  it('saves a change only over the version it was loaded at', async () => {
    const original = product('LAMP-1', 'Lamp', 1000, 10);
    await repository.add(original);
    const first = (await repository.findById(original.id))!;
    const second = (await repository.findById(original.id))!;

    first.adjustStock(-4);
    await repository.save(first);
    second.adjustStock(-7);

    await expect(repository.save(second)).rejects.toBeInstanceOf(ProductVersionConflictError);
    const stored = (await repository.findById(original.id))!;
    expect(stored).toMatchObject({ stock: 6, version: 2 });
    expect(first.version).toBe(2);
  });

  it('saves every changed field and the time of the change', async () => {
    const original = product('PEN-1', 'Pen', 300, 1);
    await repository.add(original);
    const loaded = (await repository.findById(original.id))!;
    const at = new Date('2030-05-06T07:08:09.123Z');

    loaded.update({ name: 'Fountain Pen', description: 'Refillable', price: { amount: 4500, currency: 'USD' } }, at);
    loaded.adjustStock(9, at);
    await repository.save(loaded);

    expect((await repository.findById(original.id))?.toSnapshot()).toEqual({
      ...original.toSnapshot(),
      name: 'Fountain Pen',
      description: 'Refillable',
      price: loaded.price,
      stock: 10,
      updatedAt: at,
      version: 2,
    });
  });

  it('refuses negative stock in the table itself', async () => {
    const original = product('CHK-1');
    await repository.add(original);

    await expect(dataSource.query('UPDATE catalog.products SET stock = -1 WHERE id = $1', [original.id])).rejects.toBeInstanceOf(QueryFailedError);
  });

  describe('list', () => {
    beforeEach(async () => {
      for (const [index, name] of ['banana split', 'Apple Pie', '100% Juice', '1000 Piece Puzzle', 'snake_case mug', 'snakecase cup', 'Back\\slash', 'cherry'].entries()) {
        await repository.add(product(`L-${index}`, name));
      }
    });

    const names = async (q: string | undefined, offset = 0, limit = 100) => (await repository.list({ q, offset, limit })).items.map((item) => item.name);

    it('orders by name ignoring case, in code point order whatever the database collation', async () => {
      expect(await names(undefined)).toEqual(['100% Juice', '1000 Piece Puzzle', 'Apple Pie', 'Back\\slash', 'banana split', 'cherry', 'snake_case mug', 'snakecase cup']);
    });

    it('pages with the total of all matches', async () => {
      await expect(repository.list({ offset: 2, limit: 3 })).resolves.toMatchObject({ total: 8 });
      expect(await names(undefined, 2, 3)).toEqual(['Apple Pie', 'Back\\slash', 'banana split']);
      await expect(repository.list({ offset: 50, limit: 3 })).resolves.toEqual({ items: [], total: 8 });
    });

    it('matches q case-insensitively and literally', async () => {
      expect(await names('APPLE')).toEqual(['Apple Pie']);
      expect(await names('%')).toEqual(['100% Juice']);
      expect(await names('_')).toEqual(['snake_case mug']);
      expect(await names('\\')).toEqual(['Back\\slash']);
      expect(await names("'; DROP TABLE catalog.products; --")).toEqual([]);
      await expect(repository.list({ q: 'a\u0000b', offset: 0, limit: 10 })).resolves.toEqual({ items: [], total: 0 });
    });
  });

  describe('addAllIfEmpty', () => {
    it('adds every product to an empty catalog and answers how many', async () => {
      await expect(repository.addAllIfEmpty([product('D-1'), product('D-2'), product('D-3')])).resolves.toBe(3);
      expect((await repository.list({ offset: 0, limit: 10 })).total).toBe(3);
    });

    it('adds nothing to a catalog that has a product', async () => {
      await repository.add(product('OWN-1'));
      await expect(repository.addAllIfEmpty([product('D-1')])).resolves.toBe(0);
      expect((await repository.list({ offset: 0, limit: 10 })).total).toBe(1);
    });
  });

  describe('with the adjust-stock handler, on several connections at once', () => {
    it('applies every one of many concurrent adjustments exactly once', async () => {
      const widget = product('CONC-1', 'Widget', 500, 1000);
      await repository.add(widget);
      const handler = new AdjustStockHandler(repository, new ProductEventPublisher(new RecordingEventPublisher().asPublisher()));
      const deltas = Array.from({ length: 6 }, (_, index) => (index % 2 === 0 ? 7 : -3));

      await Promise.all(deltas.map((delta) => handler.execute(new AdjustStockCommand(widget.id, delta))));

      expect(await repository.findById(widget.id)).toMatchObject({ stock: 1012, version: 1 + deltas.length });
    });

    it('sells no unit twice when concurrent write-offs ask for more than there is', async () => {
      const widget = product('CONC-2', 'Widget', 500, 4);
      await repository.add(widget);
      const handler = new AdjustStockHandler(repository, new ProductEventPublisher(new RecordingEventPublisher().asPublisher()));

      const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => handler.execute(new AdjustStockCommand(widget.id, -1))));

      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(4);
      expect(outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason.code] : []))).toEqual(['INSUFFICIENT_STOCK', 'INSUFFICIENT_STOCK']);
      expect((await repository.findById(widget.id))?.stock).toBe(0);
    });
  });
});
