import { Logger } from '@nestjs/common';
import { Outbox } from '@tessera/messaging';
import { contextDataSourceOptions, migrateContextSchema } from '@tessera/platform';
import { DataSource, type QueryRunner } from 'typeorm';
import { createMigratedContextDatabase } from '../../../../../test/harness/postgres';
import { CommitReservationCommand } from '../../application/commands/commit-reservation/commit-reservation.command';
import { CommitReservationHandler } from '../../application/commands/commit-reservation/commit-reservation.handler';
import { ExpireOverdueReservationsCommand } from '../../application/commands/expire-overdue-reservations/expire-overdue-reservations.command';
import { ExpireOverdueReservationsHandler } from '../../application/commands/expire-overdue-reservations/expire-overdue-reservations.handler';
import { ReleaseReservationCommand } from '../../application/commands/release-reservation/release-reservation.command';
import { ReleaseReservationHandler } from '../../application/commands/release-reservation/release-reservation.handler';
import { ReserveStockCommand } from '../../application/commands/reserve-stock/reserve-stock.command';
import { ReserveStockHandler } from '../../application/commands/reserve-stock/reserve-stock.handler';
import { Product } from '../../domain/product.aggregate';
import { InsufficientStockError } from '../../domain/product.errors';
import { ReservationStatusConflictError } from '../../domain/reservation.repository';
import { ReservationRequest } from '../../domain/reservation-request.value-object';
import { RecordingEventPublisher } from '../../testing/recording-event.publisher';
import { CATALOG_MIGRATIONS } from '../migrations';
import { AddCatalogReservationExpiry1795480000000 } from '../migrations/1795480000000-add-reservation-expiry.migration';
import { ProductOrmEntity } from './product.orm-entity';
import { ReservationLineOrmEntity } from './reservation-line.orm-entity';
import { ReservationOrmEntity } from './reservation.orm-entity';
import { TypeOrmProductRepository } from './typeorm-product.repository';
import { TypeOrmReservationRepository } from './typeorm-reservation.repository';
import { describeWith } from '../../../../../test/harness/services';

const entities = [ProductOrmEntity, ReservationOrmEntity, ReservationLineOrmEntity];
const migrations = CATALOG_MIGRATIONS;
const migrationsBeforeExpiry = CATALOG_MIGRATIONS.slice(0, CATALOG_MIGRATIONS.indexOf(AddCatalogReservationExpiry1795480000000));

const HOUR_MS = 3_600_000;
const orderId = (n: number) => `0b000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

// Reservation expiry against a real Postgres, migrated as at start: the stored expiry, the sweeper's finder and the
// status guard under real concurrency. Like the product spec it needs a server: CI=true or TEST_POSTGRES_URL.
describeWith(['postgres'])('TypeOrmReservationRepository on Postgres: expiry', () => {
  let drop: () => Promise<void>;
  let dataSource: DataSource;
  let products: TypeOrmProductRepository;
  let productsOutbox: Outbox;
  let publisher: RecordingEventPublisher;
  let outbox: Outbox;
  const outboxes: Outbox[] = [];
  let reservations: TypeOrmReservationRepository;
  let reserve: ReserveStockHandler;
  let commit: CommitReservationHandler;
  let expireOverdue: ExpireOverdueReservationsHandler;

  beforeAll(async () => {
    ({ dataSource, drop } = await createMigratedContextDatabase({ context: 'catalog', entities, migrations }));
    productsOutbox = new Outbox('catalog', dataSource, new RecordingEventPublisher().asPublisher());
    products = new TypeOrmProductRepository(dataSource.getRepository(ProductOrmEntity), productsOutbox);
  }, 60_000);

  afterAll(async () => {
    // The last events' marks are still under way: the database stays until they are written.
    await Promise.all([productsOutbox, ...outboxes].map((each) => each?.stop()));
    await drop?.();
  });

  beforeEach(async () => {
    await dataSource.query('TRUNCATE catalog.outbox, catalog.reservation_lines, catalog.reservations, catalog.products');
    publisher = new RecordingEventPublisher();
    outbox = new Outbox('catalog', dataSource, publisher.asPublisher());
    outboxes.push(outbox);
    reservations = new TypeOrmReservationRepository(dataSource, outbox);
    reserve = new ReserveStockHandler(reservations);
    commit = new CommitReservationHandler(reservations);
    expireOverdue = new ExpireOverdueReservationsHandler(reservations);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    // flush() publishes in the background: it must be done before the next test truncates the outbox.
    await outbox.publishPending();
    jest.restoreAllMocks();
  });

  const givenProduct = async (sku: string, stock: number) => {
    const product = Product.create({ sku, name: `Product ${sku}`, price: { amount: 1200, currency: 'USD' }, stock });
    await products.add(product);
    return product;
  };
  const stockOf = async (id: string) => (await products.findById(id))!.stock;
  const storedTimes = async (id: string) => {
    const [row]: { created_at: Date; expires_at: Date }[] = await dataSource.query(
      'SELECT created_at, expires_at FROM catalog.reservations WHERE reservation_id = $1',
      [id],
    );
    return { createdAt: new Date(row.created_at), expiresAt: new Date(row.expires_at) };
  };
  const expiresAtIs = (id: string, at: Date) => dataSource.query('UPDATE catalog.reservations SET expires_at = $2 WHERE reservation_id = $1', [id, at]);
  const outboxRows = (): Promise<{ pattern: string; payload: Record<string, unknown> }[]> =>
    dataSource.query('SELECT pattern, payload FROM catalog.outbox ORDER BY position');
  const sweep = (now = new Date(Date.now() + HOUR_MS)) => expireOverdue.execute(new ExpireOverdueReservationsCommand(100, now));
  /** Runs `work` with a transaction of its own begun on another connection, which `work` commits; rolled back if it does not. */
  const inOpenTransaction = async (work: (transaction: QueryRunner) => Promise<void>) => {
    const transaction = dataSource.createQueryRunner();
    await transaction.connect();
    try {
      await transaction.startTransaction();
      await work(transaction);
    } finally {
      if (transaction.isTransactionActive) await transaction.rollbackTransaction();
      await transaction.release();
    }
  };
  const someoneWaitsOnALock = async () => {
    const [row]: { waiting: number }[] = await dataSource.query(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    return row.waiting > 0;
  };

  it('stores an expiry 1800 s after the reservation by default, or holdSeconds after it, and keeps the first on a repeat', async () => {
    const mug = await givenProduct('E-MUG', 10);

    const byDefault = await reservations.reserve(ReservationRequest.of(orderId(1), [{ productId: mug.id, quantity: 1 }]));
    const held = await reservations.reserve(ReservationRequest.of(orderId(2), [{ productId: mug.id, quantity: 1 }], 60));
    const repeated = await reservations.reserve(ReservationRequest.of(orderId(2), [{ productId: mug.id, quantity: 1 }], 5));

    const stored = await storedTimes(orderId(1));
    expect(stored.expiresAt.getTime() - stored.createdAt.getTime()).toBe(1800_000);
    expect(byDefault.expiresAt).toEqual(stored.expiresAt);
    expect(stored.createdAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    const storedHeld = await storedTimes(orderId(2));
    expect(storedHeld.expiresAt.getTime() - storedHeld.createdAt.getTime()).toBe(60_000);
    expect(held.expiresAt).toEqual(storedHeld.expiresAt);
    expect(repeated.expiresAt).toEqual(storedHeld.expiresAt);
    expect(await reservations.findById(orderId(2))).toMatchObject({ expiresAt: storedHeld.expiresAt, releasedByExpiry: false });
    expect(await stockOf(mug.id)).toBe(8);
  });

  it('answers a repeat of a reservation that took the last units with that reservation, not INSUFFICIENT_STOCK', async () => {
    // What a placement retried after a crash asks: the first try's reservation emptied the shelf before the process died.
    const lamp = await givenProduct('E-LAMP', 2);
    const first = await reserve.execute(new ReserveStockCommand(orderId(3), [{ productId: lamp.id, quantity: 2 }]));

    const repeated = await reserve.execute(new ReserveStockCommand(orderId(3), [{ productId: lamp.id, quantity: 2 }]));

    expect(repeated).toEqual(first);
    expect(await stockOf(lamp.id)).toBe(0);
    const refusal = reserve.execute(new ReserveStockCommand(orderId(4), [{ productId: lamp.id, quantity: 1 }]));
    await expect(refusal).rejects.toBeInstanceOf(InsufficientStockError);
    // The customer whose order this is reads it: what an order does to stock is to reserve it.
    await expect(refusal).rejects.toMatchObject({ message: 'Cannot reserve 1 of E-LAMP: none in stock' });
  });

  it('answers a repeat of a reservation while a release of it is under way, without a deadlock', async () => {
    // Recovery asks again under a placement's id while the live request, having given up, releases it.
    const lamp = await givenProduct('E-LAMP', 5);
    await reserve.execute(new ReserveStockCommand(orderId(5), [{ productId: lamp.id, quantity: 2 }]));
    await inOpenTransaction(async (release) => {
      // The release as save() runs it: the reservation's row first, then its products.
      await release.query(`UPDATE catalog.reservations SET status = 'RELEASED' WHERE reservation_id = $1`, [orderId(5)]);
      let repeatSettled = false;
      const repeat = reservations.reserve(ReservationRequest.of(orderId(5), [{ productId: lamp.id, quantity: 2 }])).finally(() => (repeatSettled = true));
      // The repeat either answers or waits on a lock; a deadlock needs the release to go on after it did.
      while (!repeatSettled && !(await someoneWaitsOnALock())) await new Promise((resolve) => setTimeout(resolve, 10));
      await release.query('UPDATE catalog.products SET stock = stock + 2 WHERE id = $1', [lamp.id]);
      await release.commitTransaction();

      await expect(repeat).resolves.toMatchObject({ id: orderId(5) });
      expect(await stockOf(lamp.id)).toBe(5);
    });
  });

  it('reserves the units a release gives back while the reservation waits for them, not failing on the stock it read before', async () => {
    // A cancellation releasing the last units of a product while a new order asks for them: the order's statement
    // began when the shelf was empty and waited on the release's lock. Postgres checks the stock's constraint on the
    // row as the statement first read it, before it finds the newer one, so taking from that read failed with
    // "violates check constraint products_stock_not_negative", answered 500.
    const lamp = await givenProduct('E-LAMP', 2);
    await reserve.execute(new ReserveStockCommand(orderId(6), [{ productId: lamp.id, quantity: 2 }]));
    await inOpenTransaction(async (release) => {
      await release.query(`UPDATE catalog.reservations SET status = 'RELEASED' WHERE reservation_id = $1`, [orderId(6)]);
      await release.query('UPDATE catalog.products SET stock = stock + 2 WHERE id = $1', [lamp.id]);
      const reserving = reserve.execute(new ReserveStockCommand(orderId(7), [{ productId: lamp.id, quantity: 1 }]));
      reserving.catch(() => undefined);
      while (!(await someoneWaitsOnALock())) await new Promise((resolve) => setTimeout(resolve, 10));
      await release.commitTransaction();

      await expect(reserving).resolves.toMatchObject({ reservationId: orderId(7), status: 'RESERVED', lines: [expect.objectContaining({ quantity: 1 })] });
      expect(await stockOf(lamp.id)).toBe(1);
    });
  });

  it('finds the RESERVED reservations whose expiry has come, the longest overdue first, up to the limit', async () => {
    const mug = await givenProduct('E-MUG', 100);
    for (let n = 1; n <= 6; n++) await reserve.execute(new ReserveStockCommand(orderId(n), [{ productId: mug.id, quantity: 1 }]));
    await commit.execute(new CommitReservationCommand(orderId(3)));
    await new ReleaseReservationHandler(reservations).execute(new ReleaseReservationCommand(orderId(4)));
    const now = new Date('2031-03-04T05:06:07.000Z');
    const minutes = (n: number) => new Date(now.getTime() + n * 60_000);
    await expiresAtIs(orderId(1), minutes(-10));
    await expiresAtIs(orderId(2), minutes(-20));
    await expiresAtIs(orderId(3), minutes(-30));
    await expiresAtIs(orderId(4), minutes(-30));
    await expiresAtIs(orderId(5), minutes(1));
    await expiresAtIs(orderId(6), now);

    await expect(reservations.findOverdueIds(now, 10)).resolves.toEqual([orderId(2), orderId(1), orderId(6)]);
    await expect(reservations.findOverdueIds(now, 2)).resolves.toEqual([orderId(2), orderId(1)]);
    await expect(reservations.findOverdueIds(minutes(-60), 10)).resolves.toEqual([]);
  });

  it('expires an overdue reservation: its units back in stock and catalog.reservation.expired in the outbox, published after commit', async () => {
    const mug = await givenProduct('E-MUG', 10);
    const pen = await givenProduct('E-PEN', 5);
    await reserve.execute(
      new ReserveStockCommand(
        orderId(1),
        [
          { productId: mug.id, quantity: 4 },
          { productId: pen.id, quantity: 2 },
        ],
        60,
      ),
    );
    const now = new Date(Date.now() + HOUR_MS);

    await expect(sweep(now)).resolves.toBe(1);

    expect([await stockOf(mug.id), await stockOf(pen.id)]).toEqual([10, 5]);
    expect(await reservations.findById(orderId(1))).toMatchObject({ status: 'RELEASED', releasedByExpiry: true, updatedAt: now });
    const lines = [
      { productId: mug.id, quantity: 4 },
      { productId: pen.id, quantity: 2 },
    ].sort((a, b) => (a.productId < b.productId ? -1 : 1));
    expect(await outboxRows()).toEqual([
      { pattern: 'catalog.reservation.expired', payload: { reservationId: orderId(1), lines, occurredAt: now.toISOString() } },
    ]);
    await outbox.publishPending();
    expect(publisher.published).toEqual([
      {
        pattern: 'catalog.reservation.expired',
        payload: { reservationId: orderId(1), lines, eventId: expect.any(String), occurredAt: expect.any(String), version: 1, publication: 1 },
      },
    ]);

    await expect(sweep(now)).resolves.toBe(0);
    expect(await outboxRows()).toHaveLength(1);
    expect(await stockOf(mug.id)).toBe(10);
  });

  it('leaves a reservation whose expiry has not come, and one committed past its expiry before any sweeper came', async () => {
    const mug = await givenProduct('E-MUG', 10);
    await reserve.execute(new ReserveStockCommand(orderId(1), [{ productId: mug.id, quantity: 1 }], 3600));
    await reserve.execute(new ReserveStockCommand(orderId(2), [{ productId: mug.id, quantity: 2 }], 1));
    await expiresAtIs(orderId(2), new Date(Date.now() - 60_000));
    await commit.execute(new CommitReservationCommand(orderId(2)));

    await expect(sweep(new Date())).resolves.toBe(0);

    expect(await stockOf(mug.id)).toBe(7);
    expect(await outboxRows()).toEqual([]);
  });

  it('commits a RESERVED reservation in one step, answering it with its lines as a load would, and leaves any other as it is', async () => {
    const mug = await givenProduct('E-MUG', 10);
    const lamp = await givenProduct('E-LAMP', 10);
    await reserve.execute(
      new ReserveStockCommand(orderId(1), [
        { productId: mug.id, quantity: 2 },
        { productId: lamp.id, quantity: 1 },
      ]),
    );
    await reserve.execute(new ReserveStockCommand(orderId(2), [{ productId: mug.id, quantity: 1 }]));
    const released = (await reservations.findById(orderId(2)))!;
    released.release();
    await reservations.save(released);
    const at = new Date(Date.now() + 1000);

    const committed = await reservations.commitIfReserved(orderId(1), at);

    const loaded = await reservations.findById(orderId(1));
    expect(committed).toEqual(loaded);
    expect(loaded).toMatchObject({ status: 'COMMITTED', updatedAt: at, releasedByExpiry: false });
    expect(loaded!.lines).toHaveLength(2);
    await expect(reservations.commitIfReserved(orderId(1), at)).resolves.toBeNull();
    await expect(reservations.commitIfReserved(orderId(2), at)).resolves.toBeNull();
    await expect(reservations.commitIfReserved(orderId(3), at)).resolves.toBeNull();
    expect((await reservations.findById(orderId(2)))?.status).toBe('RELEASED');
    expect(await stockOf(mug.id)).toBe(8);
  });

  it('stores the status, the stock and the event in one transaction: all undone with it', async () => {
    const mug = await givenProduct('E-MUG', 10);
    await reserve.execute(new ReserveStockCommand(orderId(1), [{ productId: mug.id, quantity: 4 }]));
    const event = { pattern: 'catalog.reservation.expired', payload: { reservationId: orderId(1) } };

    await dataSource
      .transaction(async (manager) => {
        const held = reservations.within(manager);
        const reservation = (await held.findById(orderId(1)))!;
        reservation.expire(new Date(Date.now() + HOUR_MS));
        await held.save(reservation, [event]);
        throw new Error('the transaction failed after the save');
      })
      .catch(() => undefined);

    expect(await stockOf(mug.id)).toBe(6);
    expect((await reservations.findById(orderId(1)))?.status).toBe('RESERVED');
    expect(await outboxRows()).toEqual([]);
  });

  describe('racing a commit: whoever stores first wins, and the loser finds it changed', () => {
    const late = () => new Date(Date.now() + HOUR_MS);

    it('leaves a reservation the expiry stored first released, refusing the commit loaded before it', async () => {
      const mug = await givenProduct('E-MUG', 10);
      await reserve.execute(new ReserveStockCommand(orderId(1), [{ productId: mug.id, quantity: 4 }]));
      const expiring = (await reservations.findById(orderId(1)))!;
      const committing = (await reservations.findById(orderId(1)))!;
      expiring.expire(late());
      committing.commit();

      await reservations.save(expiring, [{ pattern: 'catalog.reservation.expired', payload: { reservationId: orderId(1) } }]);
      await expect(reservations.save(committing)).rejects.toBeInstanceOf(ReservationStatusConflictError);

      expect(await reservations.findById(orderId(1))).toMatchObject({ status: 'RELEASED', releasedByExpiry: true });
      expect(await stockOf(mug.id)).toBe(10);
      expect(await outboxRows()).toHaveLength(1);
    });

    it('leaves a reservation the commit stored first committed: no stock back, no event', async () => {
      const mug = await givenProduct('E-MUG', 10);
      await reserve.execute(new ReserveStockCommand(orderId(1), [{ productId: mug.id, quantity: 4 }]));
      const expiring = (await reservations.findById(orderId(1)))!;
      const committing = (await reservations.findById(orderId(1)))!;
      expiring.expire(late());
      committing.commit();

      await reservations.save(committing);
      await expect(reservations.save(expiring, [{ pattern: 'catalog.reservation.expired', payload: { reservationId: orderId(1) } }])).rejects.toBeInstanceOf(
        ReservationStatusConflictError,
      );

      expect(await reservations.findById(orderId(1))).toMatchObject({ status: 'COMMITTED', releasedByExpiry: false });
      expect(await stockOf(mug.id)).toBe(6);
      expect(await outboxRows()).toEqual([]);
    });

    it('ends each of many reservations either committed or expired, once, on several connections at once', async () => {
      const lamp = await givenProduct('E-LAMP', 12);
      const ids = Array.from({ length: 12 }, (_, n) => orderId(n + 1));
      for (const id of ids) await reserve.execute(new ReserveStockCommand(id, [{ productId: lamp.id, quantity: 1 }]));
      const now = late();

      // The sweeper takes them oldest first while the commits come newest first, a little apart, so that they meet.
      const commitAfter = (id: string, delayMs: number) =>
        new Promise((resolve) => setTimeout(resolve, delayMs)).then(() => commit.execute(new CommitReservationCommand(id)));
      const [expiredCount, ...views] = await Promise.all([sweep(now), ...ids.map((id, n) => commitAfter(id, (ids.length - n) * 10))]);

      const rows: { reservation_id: string; status: string; released_by_expiry: boolean }[] = await dataSource.query(
        'SELECT reservation_id, status, released_by_expiry FROM catalog.reservations ORDER BY reservation_id',
      );
      const expired = rows.filter((row) => row.status === 'RELEASED').map((row) => row.reservation_id);
      expect(rows.every((row) => (row.status === 'RELEASED') === row.released_by_expiry && ['RELEASED', 'COMMITTED'].includes(row.status))).toBe(true);
      expect(expiredCount).toBe(expired.length);
      expect(views.map((view) => view.status)).toEqual(rows.map((row) => row.status));
      expect(await stockOf(lamp.id)).toBe(expired.length);
      expect((await outboxRows()).map((row) => row.payload.reservationId).sort()).toEqual(expired);
    });
  });

  it('expires each reservation once when two sweepers run at the same time', async () => {
    const lamp = await givenProduct('E-LAMP', 8);
    for (let n = 1; n <= 8; n++) await reserve.execute(new ReserveStockCommand(orderId(n), [{ productId: lamp.id, quantity: 1 }]));
    const now = new Date(Date.now() + HOUR_MS);

    const counts = await Promise.all([sweep(now), sweep(now)]);

    expect(counts[0] + counts[1]).toBe(8);
    expect(await stockOf(lamp.id)).toBe(8);
    expect(await outboxRows()).toHaveLength(8);
  });
});

describeWith(['postgres'])('AddCatalogReservationExpiry1795480000000', () => {
  it('gives reservations made before it the default hold from their creation, then requires an expiry of every row', async () => {
    const { dataSource: before, drop } = await createMigratedContextDatabase({ context: 'catalog', entities, migrations: migrationsBeforeExpiry });
    let after: DataSource | undefined;
    try {
      const madeAt = new Date('2030-01-02T03:04:05.000Z');
      await before.query(
        `INSERT INTO catalog.reservations (reservation_id, status, created_at, updated_at) VALUES ($1, 'RESERVED', $3, $3), ($2, 'COMMITTED', $3, $3)`,
        [orderId(1), orderId(2), madeAt],
      );

      after = await new DataSource({
        ...contextDataSourceOptions({ context: 'catalog', entities, migrations }),
        url: (before.options as { url: string }).url,
      }).initialize();
      await migrateContextSchema(after, 'catalog', true);

      const rows: { expires_at: Date; released_by_expiry: boolean }[] = await after.query(
        'SELECT expires_at, released_by_expiry FROM catalog.reservations ORDER BY reservation_id',
      );
      expect(rows).toEqual([
        { expires_at: new Date(madeAt.getTime() + 1800_000), released_by_expiry: false },
        { expires_at: new Date(madeAt.getTime() + 1800_000), released_by_expiry: false },
      ]);
      await expect(
        after.query(`INSERT INTO catalog.reservations (reservation_id, status, expires_at) VALUES ($1, 'RESERVED', NULL)`, [orderId(3)]),
      ).rejects.toThrow(/null value/);
      const [index]: { indexdef: string }[] = await after.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'reservations_reserved_expires_at_idx'`);
      expect(index.indexdef).toMatch(/\(expires_at, reservation_id\) WHERE \(status = 'RESERVED'::text\)/);
    } finally {
      await after?.destroy();
      await drop();
    }
  }, 60_000);
});
