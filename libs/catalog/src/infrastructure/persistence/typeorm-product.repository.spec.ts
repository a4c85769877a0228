import { Outbox } from '@tessera/messaging';
import { DataSource, QueryFailedError } from 'typeorm';
import { createMigratedContextDatabase } from '../../../../../test/harness/postgres';
import { AdjustStockCommand } from '../../application/commands/adjust-stock/adjust-stock.command';
import { AdjustStockHandler } from '../../application/commands/adjust-stock/adjust-stock.handler';
import { CommitReservationCommand } from '../../application/commands/commit-reservation/commit-reservation.command';
import { CommitReservationHandler } from '../../application/commands/commit-reservation/commit-reservation.handler';
import { ReleaseReservationCommand } from '../../application/commands/release-reservation/release-reservation.command';
import { ReleaseReservationHandler } from '../../application/commands/release-reservation/release-reservation.handler';
import { ReserveStockCommand } from '../../application/commands/reserve-stock/reserve-stock.command';
import { ReserveStockHandler } from '../../application/commands/reserve-stock/reserve-stock.handler';
import { ReservationViewMapper } from '../../application/reservation-view.mapper';
import { Product } from '../../domain/product.aggregate';
import { ProductVersionConflictError } from '../../domain/product.repository';
import { ReservationRequest } from '../../domain/reservation-request.value-object';
import { RecordingEventPublisher } from '../../testing/recording-event.publisher';
import { PRODUCT_NAME_SEARCH_INDEX } from '../migrations/1795560000000-add-product-name-search-index.migration';
import { CATALOG_MIGRATIONS } from '../migrations';
import { ProductOrmEntity } from './product.orm-entity';
import { ReservationLineOrmEntity } from './reservation-line.orm-entity';
import { ReservationOrmEntity } from './reservation.orm-entity';
import { TypeOrmProductRepository } from './typeorm-product.repository';
import { TypeOrmReservationRepository } from './typeorm-reservation.repository';
import { describeWith } from '../../../../../test/harness/services';

// The repository's SQL against a real Postgres, migrated as at start: what the handler specs cannot show. It needs a
// server (the embedded one cannot load inside jest), so it runs where the e2e suites do: with CI=true or TEST_POSTGRES_URL.
describeWith(['postgres'])('TypeOrmProductRepository on Postgres', () => {
  let drop: () => Promise<void>;
  let dataSource: DataSource;
  let repository: TypeOrmProductRepository;
  const outboxes: Outbox[] = [];
  const anOutbox = () => {
    const outbox = new Outbox('catalog', dataSource, new RecordingEventPublisher().asPublisher());
    outboxes.push(outbox);
    return outbox;
  };

  const product = (sku: string, name = `Product ${sku}`, amount = 1000, stock = 5) =>
    Product.create({ sku, name, description: `About ${name}`, price: { amount, currency: 'USD' }, stock });

  beforeAll(async () => {
    ({ dataSource, drop } = await createMigratedContextDatabase({
      context: 'catalog',
      entities: [ProductOrmEntity, ReservationOrmEntity, ReservationLineOrmEntity],
      migrations: CATALOG_MIGRATIONS,
    }));
    repository = new TypeOrmProductRepository(dataSource.getRepository(ProductOrmEntity), anOutbox());
  }, 60_000);

  afterAll(async () => {
    // The last events' marks are still under way: the database stays until they are written.
    await Promise.all(outboxes.map((outbox) => outbox.stop()));
    await drop?.();
  });

  beforeEach(async () => {
    await dataSource.query('TRUNCATE catalog.reservation_lines, catalog.reservations, catalog.products');
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
      for (const [index, name] of [
        'banana split',
        'Apple Pie',
        '100% Juice',
        '1000 Piece Puzzle',
        'snake_case mug',
        'snakecase cup',
        'Back\\slash',
        'cherry',
      ].entries()) {
        await repository.add(product(`L-${index}`, name));
      }
    });

    const names = async (q: string | undefined, offset = 0, limit = 100) => (await repository.list({ q, offset, limit })).items.map((item) => item.name);

    it('orders by name ignoring case, in code point order whatever the database collation', async () => {
      expect(await names(undefined)).toEqual([
        '100% Juice',
        '1000 Piece Puzzle',
        'Apple Pie',
        'Back\\slash',
        'banana split',
        'cherry',
        'snake_case mug',
        'snakecase cup',
      ]);
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

  describe('a search of a large catalog', () => {
    /** Each statement the repository sends while `work` runs, with its parameters. */
    const statementsOf = async (work: () => Promise<unknown>): Promise<{ sql: string; parameters?: unknown[] }[]> => {
      const statements: { sql: string; parameters?: unknown[] }[] = [];
      const createQueryRunner = dataSource.createQueryRunner.bind(dataSource);
      const spy = jest.spyOn(dataSource, 'createQueryRunner').mockImplementation((mode) => {
        const runner = createQueryRunner(mode);
        const query = runner.query.bind(runner) as (sql: string, parameters?: unknown[], structured?: boolean) => Promise<unknown>;
        runner.query = ((sql: string, parameters?: unknown[], structured?: boolean) => {
          statements.push({ sql, parameters });
          return query(sql, parameters, structured);
        }) as typeof runner.query;
        return runner;
      });
      try {
        await work();
      } finally {
        spy.mockRestore();
      }
      return statements;
    };

    it('finds a name by any part of it through the trigram index, reading neither every product nor every name', async () => {
      await dataSource.query(
        `INSERT INTO catalog.products (id, sku, name, price_amount, price_currency, stock)
         SELECT gen_random_uuid(), 'BULK-' || i, 'Bulk item ' || md5(i::text), 100, 'USD', 1 FROM generate_series(1, 5000) i`,
      );
      await repository.add(product('FIND-1', 'Vesper Cashmere Scarf'));
      // The planner's statistics of the load, as autovacuum would take them.
      await dataSource.query('ANALYZE catalog.products');

      let found: Awaited<ReturnType<TypeOrmProductRepository['list']>> | undefined;
      const statements = await statementsOf(async () => (found = await repository.list({ q: 'cashmere sc', offset: 0, limit: 20 })));

      expect(found?.items.map((item) => item.name)).toEqual(['Vesper Cashmere Scarf']);
      expect(found?.total).toBe(1);
      expect(statements).toHaveLength(2);
      for (const { sql, parameters } of statements) {
        const plan = ((await dataSource.query(`EXPLAIN ${sql}`, parameters)) as { 'QUERY PLAN': string }[]).map((row) => row['QUERY PLAN']).join('\n');
        expect(plan).toContain(`Bitmap Index Scan on ${PRODUCT_NAME_SEARCH_INDEX}`);
        expect(plan).not.toContain('Seq Scan');
      }
    }, 30_000);

    it("finds a page of a brand's products by sorting them, not by walking every name before them in the alphabet", async () => {
      // Names that begin with a brand: a brand's products are together in the name order, the last brand's at its end.
      await dataSource.query(
        `INSERT INTO catalog.products (id, sku, name, price_amount, price_currency, stock)
         SELECT gen_random_uuid(), 'BRAND-' || i,
                (ARRAY['Acme','Brightline','Driftwood','Ember','Hollow Oak','Juniper','Kestrel','Larkspur','Marlow','Meridian',
                       'Nordlys','Northwind','Obsidian','Ostrava','Pinecrest','Quillon','Solace','Tamarind','Umber','Vesper'])[1 + i % 20]
                || ' ' || (ARRAY['linen','cotton','wool','silk','denim','leather','canvas','velvet','bamboo','cashmere','hemp','merino','tweed','satin','suede'])[1 + (i / 20) % 15]
                || ' ' || (ARRAY['shirt','towel','scarf','jacket','bag','cap','sock','apron','glove','mug'])[1 + (i / 300) % 10] || ' ' || i,
                100, 'USD', 1
           FROM generate_series(1, 50000) i`,
      );
      await dataSource.query('ANALYZE catalog.products');

      let found: Awaited<ReturnType<TypeOrmProductRepository['list']>> | undefined;
      const statements = await statementsOf(async () => (found = await repository.list({ q: 'vesper cashmere', offset: 20, limit: 20 })));

      expect(found?.total).toBe(167);
      expect(found?.items.map((item) => item.name.toLowerCase().startsWith('vesper cashmere '))).toEqual(Array(20).fill(true));
      const page = statements.at(-1)!;
      const plan = ((await dataSource.query(`EXPLAIN ${page.sql}`, page.parameters)) as { 'QUERY PLAN': string }[]).map((row) => row['QUERY PLAN']).join('\n');
      expect(plan).toContain(`Bitmap Index Scan on ${PRODUCT_NAME_SEARCH_INDEX}`);
      expect(plan).not.toContain('products_name_lower_id_idx');
    }, 60_000);

    it('answers the same without the index, as where the server could not create pg_trgm', async () => {
      for (const [index, name] of ['Vesper Cashmere Scarf', 'Cashmere scarf, 100%', 'scarf_cashmere'].entries()) {
        await repository.add(product(`NOIDX-${index}`, name));
      }
      const searches = ['cashmere sc', '100%', '_cash', 'SCARF', 'x'];
      const answers = async () => Promise.all(searches.map(async (q) => (await repository.list({ q, offset: 0, limit: 20 })).items.map((item) => item.name)));
      const indexed = await answers();

      const [definition] = (await dataSource.query(`SELECT indexdef FROM pg_indexes WHERE indexname = $1`, [PRODUCT_NAME_SEARCH_INDEX])) as {
        indexdef: string;
      }[];
      await dataSource.query(`DROP INDEX catalog.${PRODUCT_NAME_SEARCH_INDEX}`);
      try {
        expect(await answers()).toEqual(indexed);
      } finally {
        await dataSource.query(definition.indexdef);
      }
      expect(indexed).toEqual([
        ['Cashmere scarf, 100%', 'Vesper Cashmere Scarf'],
        ['Cashmere scarf, 100%'],
        ['scarf_cashmere'],
        ['Cashmere scarf, 100%', 'scarf_cashmere', 'Vesper Cashmere Scarf'],
        [],
      ]);
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

  describe('its events', () => {
    it('go to the catalog outbox in the transaction of the change, and not for a change refused', async () => {
      const kettle = product('OUT-1', 'Kettle');
      await repository.add(kettle, [{ pattern: 'catalog.product.created', payload: { productId: kettle.id } }]);
      const twin = product('out-1', 'Twin');
      await expect(repository.add(twin, [{ pattern: 'catalog.product.created', payload: { productId: twin.id } }])).rejects.toMatchObject({
        code: 'SKU_TAKEN',
      });
      const stale = (await repository.findById(kettle.id))!;
      const fresh = (await repository.findById(kettle.id))!;
      fresh.adjustStock(1);
      await repository.save(fresh, [{ pattern: 'catalog.stock.adjusted', payload: { productId: kettle.id } }]);
      stale.adjustStock(2);
      await expect(repository.save(stale, [{ pattern: 'catalog.stock.adjusted', payload: { productId: kettle.id, stale: true } }])).rejects.toBeInstanceOf(
        ProductVersionConflictError,
      );

      const rows = await dataSource.query(`SELECT pattern, payload FROM catalog.outbox WHERE payload->>'productId' IN ($1, $2) ORDER BY position`, [
        kettle.id,
        twin.id,
      ]);
      expect(rows).toEqual([
        { pattern: 'catalog.product.created', payload: { productId: kettle.id } },
        { pattern: 'catalog.stock.adjusted', payload: { productId: kettle.id } },
      ]);
    });
  });

  describe('with the adjust-stock handler, on several connections at once', () => {
    it('applies every one of many concurrent adjustments exactly once', async () => {
      const widget = product('CONC-1', 'Widget', 500, 1000);
      await repository.add(widget);
      const handler = new AdjustStockHandler(repository);
      const deltas = Array.from({ length: 6 }, (_, index) => (index % 2 === 0 ? 7 : -3));

      await Promise.all(deltas.map((delta) => handler.execute(new AdjustStockCommand(widget.id, delta))));

      expect(await repository.findById(widget.id)).toMatchObject({ stock: 1012, version: 1 + deltas.length });
    });

    it('sells no unit twice when concurrent write-offs ask for more than there is', async () => {
      const widget = product('CONC-2', 'Widget', 500, 4);
      await repository.add(widget);
      const handler = new AdjustStockHandler(repository);

      const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => handler.execute(new AdjustStockCommand(widget.id, -1))));

      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(4);
      expect(outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason.code] : []))).toEqual(['INSUFFICIENT_STOCK', 'INSUFFICIENT_STOCK']);
      expect((await repository.findById(widget.id))?.stock).toBe(0);
    });
  });

  describe('reservations, on several connections at once', () => {
    let reservations: TypeOrmReservationRepository;
    let reserve: ReserveStockHandler;
    let commit: CommitReservationHandler;
    let release: ReleaseReservationHandler;
    const orderId = (n: number) => `0a000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const stockOf = async (id: string) => (await repository.findById(id))!.stock;
    /** Waits until a statement of this database that contains `sql` is waiting for a lock another transaction holds. */
    const waitUntilBlockedOnALock = async (sql: string) => {
      for (;;) {
        const [{ waiting }] = await dataSource.query(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND position($1 in query) > 0`,
          [sql],
        );
        if (waiting > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const count = async (table: string) => Number((await dataSource.query(`SELECT count(*) AS n FROM catalog.${table}`))[0].n);

    beforeEach(() => {
      reservations = new TypeOrmReservationRepository(dataSource, anOutbox());
      reserve = new ReserveStockHandler(reservations);
      commit = new CommitReservationHandler(reservations);
      release = new ReleaseReservationHandler(reservations);
    });

    it('stores the lines as the products were named and priced, and takes their units out of stock', async () => {
      const lamp = product('R-LAMP', 'Lamp', 100_000_000_000, 5);
      const pen = product('R-PEN', 'Pen', 300, 9);
      await repository.add(lamp);
      await repository.add(pen);

      const view = await reserve.execute(
        new ReserveStockCommand(orderId(1), [
          { productId: pen.id, quantity: 4 },
          { productId: lamp.id, quantity: 5 },
        ]),
      );

      expect(view).toEqual({
        reservationId: orderId(1),
        status: 'RESERVED',
        lines: [
          { productId: lamp.id, sku: 'R-LAMP', name: 'Lamp', unitPrice: { amount: 100_000_000_000, currency: 'USD' }, quantity: 5 },
          { productId: pen.id, sku: 'R-PEN', name: 'Pen', unitPrice: { amount: 300, currency: 'USD' }, quantity: 4 },
        ].sort((a, b) => (a.productId < b.productId ? -1 : 1)),
      });
      expect(await repository.findById(lamp.id)).toMatchObject({ stock: 0, version: 2 });
      expect(await stockOf(pen.id)).toBe(5);
      const reloaded = (await reservations.findById(orderId(1)))!;
      expect(ReservationViewMapper.toView(reloaded)).toEqual(view);
      expect(reloaded.createdAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
      await expect(reserve.execute(new ReserveStockCommand(orderId(1), [{ productId: pen.id, quantity: 1 }]))).resolves.toEqual(view);
      expect(await stockOf(pen.id)).toBe(5);
    });

    it('takes nothing at all when one line cannot be had', async () => {
      const mug = product('R-MUG', 'Mug', 1200, 5);
      const pen = product('R-PEN', 'Pen', 300, 1);
      await repository.add(mug);
      await repository.add(pen);
      const unknown = '7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f';

      await expect(
        reserve.execute(
          new ReserveStockCommand(orderId(1), [
            { productId: mug.id, quantity: 2 },
            { productId: pen.id, quantity: 2 },
          ]),
        ),
      ).rejects.toMatchObject({
        code: 'INSUFFICIENT_STOCK',
        details: expect.objectContaining({ productId: pen.id, available: 1, requested: 2 }),
      });
      await expect(
        reserve.execute(
          new ReserveStockCommand(orderId(2), [
            { productId: mug.id, quantity: 2 },
            { productId: unknown, quantity: 1 },
          ]),
        ),
      ).rejects.toMatchObject({
        code: 'PRODUCT_NOT_FOUND',
        details: { productId: unknown },
      });

      expect(await repository.findById(mug.id)).toMatchObject({ stock: 5, version: 1 });
      expect(await count('reservations')).toBe(0);
      expect(await count('reservation_lines')).toBe(0);
    });

    it('makes exactly as many reservations as there are units when 30 orders want the last 10, never taking stock below zero', async () => {
      const lamp = product('R-LAST', 'Last lamps', 3900, 10);
      await repository.add(lamp);
      let lowest = 10;
      let watching = true;
      const watcher = (async () => {
        while (watching) lowest = Math.min(lowest, await stockOf(lamp.id));
      })();

      const outcomes = await Promise.allSettled(
        Array.from({ length: 30 }, (_, n) => reserve.execute(new ReserveStockCommand(orderId(n), [{ productId: lamp.id, quantity: 1 }]))),
      );
      watching = false;
      await watcher;

      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(10);
      expect(new Set(outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason.code] : [])))).toEqual(new Set(['INSUFFICIENT_STOCK']));
      expect(await stockOf(lamp.id)).toBe(0);
      expect(lowest).toBeGreaterThanOrEqual(0);
      expect(await count('reservations')).toBe(10);
      expect(await dataSource.query('SELECT sum(quantity)::int AS units FROM catalog.reservation_lines')).toEqual([{ units: 10 }]);
    });

    it('never deadlocks, whatever order concurrent orders name the same products in', async () => {
      const mug = product('R-MUG', 'Mug', 1200, 100);
      const pen = product('R-PEN', 'Pen', 300, 100);
      await repository.add(mug);
      await repository.add(pen);

      await Promise.all(
        Array.from({ length: 20 }, (_, n) => {
          const lines = [
            { productId: mug.id, quantity: 1 },
            { productId: pen.id, quantity: 2 },
          ];
          return reserve.execute(new ReserveStockCommand(orderId(n), n % 2 === 0 ? lines : lines.reverse()));
        }),
      );

      expect(await stockOf(mug.id)).toBe(80);
      expect(await stockOf(pen.id)).toBe(60);
    });

    it('makes one reservation of concurrent requests under the same id', async () => {
      const mug = product('R-MUG', 'Mug', 1200, 10);
      await repository.add(mug);

      const views = await Promise.all(
        Array.from({ length: 6 }, () => reserve.execute(new ReserveStockCommand(orderId(1), [{ productId: mug.id, quantity: 3 }]))),
      );

      expect(views.every((view) => JSON.stringify(view) === JSON.stringify(views[0]))).toBe(true);
      expect(views[0]).toMatchObject({ status: 'RESERVED', lines: [expect.objectContaining({ quantity: 3 })] });
      expect(await stockOf(mug.id)).toBe(7);
      expect(await count('reservations')).toBe(1);
    });

    it('gives the units back once when two releases run at the same time', async () => {
      const mug = product('R-MUG', 'Mug', 1200, 10);
      await repository.add(mug);
      await reserve.execute(new ReserveStockCommand(orderId(1), [{ productId: mug.id, quantity: 4 }]));

      const views = await Promise.all([release.execute(new ReleaseReservationCommand(orderId(1))), release.execute(new ReleaseReservationCommand(orderId(1)))]);

      expect(views.map((view) => view.status)).toEqual(['RELEASED', 'RELEASED']);
      expect(await stockOf(mug.id)).toBe(10);
      await release.execute(new ReleaseReservationCommand(orderId(1)));
      expect(await repository.findById(mug.id)).toMatchObject({ stock: 10, version: 3 });
    });

    it('gives back the units of a committed reservation once, and keeps a released one from being committed', async () => {
      const mug = product('R-MUG', 'Mug', 1200, 10);
      await repository.add(mug);
      await reserve.execute(new ReserveStockCommand(orderId(1), [{ productId: mug.id, quantity: 4 }]));

      await expect(commit.execute(new CommitReservationCommand(orderId(1)))).resolves.toMatchObject({ status: 'COMMITTED' });
      expect(await stockOf(mug.id)).toBe(6);
      await Promise.all([release.execute(new ReleaseReservationCommand(orderId(1))), commit.execute(new CommitReservationCommand(orderId(1)))]);

      expect(await stockOf(mug.id)).toBe(10);
      expect((await reservations.findById(orderId(1)))?.status).toBe('RELEASED');
      await expect(commit.execute(new CommitReservationCommand('7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f'))).rejects.toMatchObject({
        code: 'RESERVATION_NOT_FOUND',
      });
    });

    it("does its work inside the caller's transaction, and undoes it with that transaction", async () => {
      const mug = product('R-MUG', 'Mug', 1200, 10);
      await repository.add(mug);
      await reserve.execute(new ReserveStockCommand(orderId(1), [{ productId: mug.id, quantity: 4 }]));

      await dataSource
        .transaction(async (manager) => {
          await release.execute(new ReleaseReservationCommand(orderId(1)), manager);
          throw new Error('the inbox could not record the event');
        })
        .catch(() => undefined);

      expect(await stockOf(mug.id)).toBe(6);
      expect((await reservations.findById(orderId(1)))?.status).toBe('RESERVED');
      await dataSource.transaction((manager) => release.execute(new ReleaseReservationCommand(orderId(1)), manager));
      expect(await stockOf(mug.id)).toBe(10);
      expect(() => reservations.within(dataSource.manager)).toThrow(TypeError);
    });

    it('lets a release that overtakes its reservation still give the units back, once the reservation is stored', async () => {
      const mug = product('R-MUG', 'Mug', 1200, 10);
      await repository.add(mug);
      let released: Promise<unknown> | undefined;

      await dataSource.transaction(async (manager) => {
        await reservations.within(manager).reserve(ReservationRequest.of(orderId(1), [{ productId: mug.id, quantity: 4 }]));
        released = release.execute(new ReleaseReservationCommand(orderId(1)));
        // The release waits for the reservation's id, claimed in this transaction and not committed yet.
        await waitUntilBlockedOnALock('INSERT INTO catalog.reservations (reservation_id, status, created_at');
      });

      await expect(released).resolves.toMatchObject({ status: 'RELEASED', lines: [expect.objectContaining({ quantity: 4 })] });
      expect(await stockOf(mug.id)).toBe(10);
    });

    it('spends the id of a release that came first, so that its reservation takes nothing', async () => {
      const mug = product('R-MUG', 'Mug', 1200, 10);
      await repository.add(mug);

      await expect(release.execute(new ReleaseReservationCommand(orderId(1)))).resolves.toEqual({ reservationId: orderId(1), status: 'RELEASED', lines: [] });
      const late = await reserve.execute(new ReserveStockCommand(orderId(1), [{ productId: mug.id, quantity: 4 }]));

      expect(late).toEqual({ reservationId: orderId(1), status: 'RELEASED', lines: [] });
      expect(await stockOf(mug.id)).toBe(10);
    });
  });
});
