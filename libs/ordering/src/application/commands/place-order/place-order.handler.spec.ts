import { Logger } from '@nestjs/common';
import { CATALOG_PATTERNS, ERROR_CODES, USERS_PATTERNS } from '@tessera/contracts';
import { ContextUnreachableError, RemoteError } from '@tessera/messaging';
import { GetOrderQuery } from '../../queries/get-order/get-order.query';
import { newUserId, orderingTestKit, UNKNOWN_USER } from '../../testing/ordering-test-kit';
import { RecoverPlacementsCommand } from '../recover-placements/recover-placements.command';
import { PlaceOrderCommand } from './place-order.command';

describe('PlaceOrderHandler', () => {
  let kit: ReturnType<typeof orderingTestKit>;
  const ada = newUserId();

  beforeEach(() => {
    kit = orderingTestKit();
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  const place = (items: unknown, userId = ada, idempotencyKey?: string) => kit.placeOrder.execute(new PlaceOrderCommand(userId, items, idempotencyKey));

  it('places an order awaiting payment, priced by the catalog, its stock reserved until it expires', async () => {
    const mug = kit.catalog.givenProduct({ sku: 'MUG-1', name: 'Mug', price: { amount: 1250, currency: 'USD' }, stock: 10 });
    const tee = kit.catalog.givenProduct({ sku: 'TEE-1', name: 'Tee', price: { amount: 1999, currency: 'USD' }, stock: 3 });

    const order = await place([
      { productId: mug, quantity: 2 },
      { productId: tee, quantity: 1 },
    ]);

    expect(order).toEqual({
      id: expect.any(String),
      userId: ada,
      status: 'AWAITING_PAYMENT',
      items: [
        { productId: mug, sku: 'MUG-1', name: 'Mug', unitPrice: { amount: 1250, currency: 'USD' }, quantity: 2, lineTotal: { amount: 2500, currency: 'USD' } },
        { productId: tee, sku: 'TEE-1', name: 'Tee', unitPrice: { amount: 1999, currency: 'USD' }, quantity: 1, lineTotal: { amount: 1999, currency: 'USD' } },
      ],
      total: { amount: 4499, currency: 'USD' },
      createdAt: '2030-01-01T10:00:00.000Z',
      updatedAt: '2030-01-01T10:00:00.000Z',
      expiresAt: '2030-01-01T10:15:00.000Z',
    });
    expect([kit.catalog.stockOf(mug), kit.catalog.stockOf(tee)]).toEqual([8, 2]);
    expect(kit.catalog.requestsOf(CATALOG_PATTERNS.RESERVE_STOCK)).toEqual([
      {
        reservationId: order.id,
        lines: [
          { productId: mug, quantity: 2 },
          { productId: tee, quantity: 1 },
        ],
        holdSeconds: 1800,
      },
    ]);
  });

  it('keeps the payment timeout of when the customer asked for the hold and the expiry, whatever the setting becomes meanwhile', async () => {
    const mug = kit.givenProduct();
    const reserve = kit.catalog.handlerOf(CATALOG_PATTERNS.RESERVE_STOCK);
    kit.catalog.answer(CATALOG_PATTERNS.RESERVE_STOCK, (request) => {
      kit.changeSettings({ ORDER_PAYMENT_TIMEOUT_SECONDS: 3600 });
      return reserve(request);
    });

    const order = await place([{ productId: mug, quantity: 1 }]);

    expect(order.expiresAt).toBe('2030-01-01T10:15:00.000Z');
    expect(kit.catalog.requestsOf(CATALOG_PATTERNS.RESERVE_STOCK)).toEqual([expect.objectContaining({ holdSeconds: 1800 })]);
  });

  it('stores OrderPlaced as the first event of the stream and publishes ordering.order.placed after the commit', async () => {
    const mug = kit.givenProduct();

    const order = await place([{ productId: mug, quantity: 1 }]);

    expect(kit.orders.streamOf(order.id)).toEqual([
      expect.objectContaining({
        type: 'OrderPlaced',
        version: 1,
        data: expect.objectContaining({ userId: ada, total: order.total, expiresAt: order.expiresAt }),
      }),
    ]);
    expect(kit.outbox.published).toEqual([
      { pattern: 'ordering.order.placed', payload: { orderId: order.id, userId: ada, total: { amount: 1250, currency: 'USD' }, expiresAt: order.expiresAt } },
    ]);
    await expect(kit.getOrder.execute(new GetOrderQuery(order.id, { userId: ada, isAdmin: false }))).resolves.toEqual(order);
  });

  it('merges the items of one product before reserving them', async () => {
    const mug = kit.givenProduct(10);
    const tee = kit.givenProduct(10);

    const order = await place([
      { productId: mug, quantity: 2 },
      { productId: tee, quantity: 1 },
      { productId: mug, quantity: 3 },
    ]);

    expect(order.items.map((item) => [item.productId, item.quantity])).toEqual([
      [mug, 5],
      [tee, 1],
    ]);
    expect(kit.catalog.requestsOf(CATALOG_PATTERNS.RESERVE_STOCK)[0].lines).toEqual([
      { productId: mug, quantity: 5 },
      { productId: tee, quantity: 1 },
    ]);
    expect(kit.catalog.stockOf(mug)).toBe(5);
  });

  it.each([
    ['no items', []],
    ['a quantity of 0', [{ productId: '11111111-1111-4111-8111-111111111111', quantity: 0 }]],
    ['a quantity of 1001', [{ productId: '11111111-1111-4111-8111-111111111111', quantity: 1001 }]],
    ['a product id that is no UUID', [{ productId: 'mug', quantity: 1 }]],
    ['51 items', Array.from({ length: 51 }, () => ({ productId: '11111111-1111-4111-8111-111111111111', quantity: 1 }))],
  ])('answers VALIDATION_FAILED for %s, asking no other context', async (_case, items) => {
    await expect(place(items)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect([kit.users.calls, kit.catalog.calls]).toEqual([[], []]);
  });

  it('passes INSUFFICIENT_STOCK on with the product, reserving nothing and storing nothing', async () => {
    const mug = kit.givenProduct(10);
    const tee = kit.givenProduct(1);

    await expect(
      place([
        { productId: mug, quantity: 2 },
        { productId: tee, quantity: 2 },
      ]),
    ).rejects.toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      details: { productId: tee },
    });

    expect([kit.catalog.stockOf(mug), kit.catalog.stockOf(tee)]).toEqual([10, 1]);
    expect(kit.catalog.requestsOf(CATALOG_PATTERNS.RELEASE_RESERVATION)).toEqual([]);
    expect(kit.orders.size).toBe(0);
    expect(kit.outbox.published).toEqual([]);
  });

  it('passes PRODUCT_NOT_FOUND on with the product', async () => {
    const missing = '33333333-3333-4333-8333-333333333333';
    await expect(place([{ productId: missing, quantity: 1 }])).rejects.toMatchObject({ code: 'PRODUCT_NOT_FOUND', details: { productId: missing } });
    expect(kit.orders.size).toBe(0);
  });

  it('refuses a deactivated or unknown user with INVALID_CREDENTIALS before reserving anything', async () => {
    const mug = kit.givenProduct();
    await kit.deactivate(ada);

    await expect(place([{ productId: mug, quantity: 1 }])).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(place([{ productId: mug, quantity: 1 }], UNKNOWN_USER)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(place([{ productId: mug, quantity: 1 }], 'not-a-uuid')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });

    // The deactivation was heard, so only the user ordering has never met is asked of users.
    expect(kit.users.requestsOf(USERS_PATTERNS.GET_USER)).toEqual([{ userId: UNKNOWN_USER }]);
    expect(kit.catalog.calls).toEqual([]);
    expect(kit.orders.size).toBe(0);
  });

  it('asks users about a customer at their first order only', async () => {
    const mug = kit.givenProduct();

    await place([{ productId: mug, quantity: 1 }]);
    await place([{ productId: mug, quantity: 1 }]);

    expect(kit.users.requestsOf(USERS_PATTERNS.GET_USER)).toEqual([{ userId: ada }]);
    expect(kit.customers.standingOf(ada)).toBe('active');
    expect(kit.orders.size).toBe(2);
  });

  it('refuses a known customer from the moment their deactivation is heard, asking users nothing', async () => {
    const mug = kit.givenProduct();
    await place([{ productId: mug, quantity: 1 }]);

    await kit.deactivate(ada);

    await expect(place([{ productId: mug, quantity: 1 }])).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(kit.users.requestsOf(USERS_PATTERNS.GET_USER)).toEqual([{ userId: ada }]);
    expect(kit.orders.size).toBe(1);
  });

  it('remembers a user users answers is inactive at their first order, and asks no more', async () => {
    const mug = kit.givenProduct();
    kit.deactivateUnheard(ada);

    await expect(place([{ productId: mug, quantity: 1 }])).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(place([{ productId: mug, quantity: 1 }])).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });

    expect(kit.users.requestsOf(USERS_PATTERNS.GET_USER)).toEqual([{ userId: ada }]);
    expect(kit.customers.standingOf(ada)).toBe('inactive');
  });

  it('stores nothing when the customer could not be remembered after users answered, and asks users again on the retry', async () => {
    const mug = kit.givenProduct();
    kit.customers.failNextRecord = new Error('connection terminated unexpectedly');

    await expect(place([{ productId: mug, quantity: 1 }], ada, 'key-1')).rejects.toThrow('connection terminated unexpectedly');
    expect([kit.orders.size, kit.placements.unfinished, kit.customers.standingOf(ada)]).toEqual([0, 0, undefined]);

    const order = await place([{ productId: mug, quantity: 1 }], ada, 'key-1');
    expect(order.status).toBe('AWAITING_PAYMENT');
    expect(kit.users.requestsOf(USERS_PATTERNS.GET_USER)).toEqual([{ userId: ada }, { userId: ada }]);
    expect(kit.orders.size).toBe(1);
  });

  it('passes on a users failure at a first order, storing nothing and remembering nothing', async () => {
    const mug = kit.givenProduct();
    kit.users.failNext(USERS_PATTERNS.GET_USER);

    await expect(place([{ productId: mug, quantity: 1 }])).rejects.toMatchObject({ code: ERROR_CODES.CONTEXT_UNAVAILABLE });

    expect(kit.customers.standingOf(ada)).toBeUndefined();
    expect([kit.orders.size, kit.placements.unfinished, kit.catalog.calls.length]).toEqual([0, 0, 0]);
  });

  describe('compensation', () => {
    it('releases the reservation when storing the order fails, then answers the failure', async () => {
      const mug = kit.givenProduct(10);
      kit.orders.failNextSave(new Error('connection terminated unexpectedly'));

      await expect(place([{ productId: mug, quantity: 4 }])).rejects.toThrow('connection terminated unexpectedly');

      const [reserved] = kit.catalog.requestsOf(CATALOG_PATTERNS.RESERVE_STOCK);
      expect(kit.catalog.requestsOf(CATALOG_PATTERNS.RELEASE_RESERVATION)).toEqual([{ reservationId: reserved.reservationId }]);
      expect(kit.catalog.stockOf(mug)).toBe(10);
      expect(kit.catalog.statusOf(String(reserved.reservationId))).toBe('RELEASED');
      expect(kit.orders.size).toBe(0);
      expect(kit.outbox.published).toEqual([]);
    });

    it('releases a reservation whose answer was lost, since the catalog may have made it', async () => {
      const mug = kit.givenProduct(10);
      kit.catalog.loseNextReply(CATALOG_PATTERNS.RESERVE_STOCK);

      await expect(place([{ productId: mug, quantity: 4 }])).rejects.toBeInstanceOf(RemoteError);

      expect(kit.catalog.requestsOf(CATALOG_PATTERNS.RELEASE_RESERVATION)).toHaveLength(1);
      expect(kit.catalog.stockOf(mug)).toBe(10);
      expect(kit.orders.size).toBe(0);
    });

    it('still answers the first failure when the release fails too, and leaves the release to recovery', async () => {
      const mug = kit.givenProduct(10);
      kit.orders.failNextSave(new Error('disk full'));
      kit.catalog.failNext(CATALOG_PATTERNS.RELEASE_RESERVATION);
      const logged = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

      await expect(place([{ productId: mug, quantity: 4 }])).rejects.toThrow('disk full');

      const [reserved] = kit.catalog.requestsOf(CATALOG_PATTERNS.RESERVE_STOCK);
      const orderId = String(reserved.reservationId);
      expect(logged).toHaveBeenCalledWith(expect.stringContaining('left to recovery'));
      expect(kit.placements.stageOf(orderId)).toBe('COMPENSATING');
      expect(kit.catalog.stockOf(mug)).toBe(6);

      kit.clock.advanceSeconds(60);
      expect(await kit.recoverPlacements.execute(new RecoverPlacementsCommand())).toBe(1);
      expect(kit.catalog.stockOf(mug)).toBe(10);
      expect(kit.placements.stageOf(orderId)).toBeUndefined();
      expect(kit.orders.size).toBe(0);
    });

    it('stores its intent before the catalog is asked, and ends it with the order', async () => {
      const mug = kit.givenProduct(10);
      const stagesSeen: unknown[] = [];
      const reserve = kit.catalog.handlerOf(CATALOG_PATTERNS.RESERVE_STOCK);
      kit.catalog.answer(CATALOG_PATTERNS.RESERVE_STOCK, (request) => {
        stagesSeen.push(kit.placements.stageOf(String(request.reservationId)));
        return reserve(request);
      });

      const order = await place([{ productId: mug, quantity: 1 }]);

      expect(stagesSeen).toEqual(['PLACING']);
      expect(kit.placements.stageOf(order.id)).toBeUndefined();
      expect(kit.catalog.requestsOf(CATALOG_PATTERNS.RESERVE_STOCK)[0]).toMatchObject({ holdSeconds: 1800 });
    });

    it('releases a reservation that does not hold what was asked for, as an unexpected failure', async () => {
      const mug = kit.givenProduct(10);
      kit.catalog.answer(CATALOG_PATTERNS.RESERVE_STOCK, (request) => ({
        reservationId: request.reservationId,
        status: 'RESERVED',
        lines: [{ productId: mug, sku: 'MUG', name: 'Mug', unitPrice: { amount: 100, currency: 'USD' }, quantity: 1 }],
      }));

      const failure = await place([{ productId: mug, quantity: 4 }]).catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(Error);
      expect(failure).not.toHaveProperty('code');
      expect(kit.catalog.requestsOf(CATALOG_PATTERNS.RELEASE_RESERVATION)).toHaveLength(1);
    });
  });

  describe('with an idempotency key', () => {
    it('answers the first order again for the same items, reserving once', async () => {
      const mug = kit.givenProduct(10);

      const first = await place([{ productId: mug, quantity: 2 }], ada, 'key-1');
      const again = await place([{ productId: mug, quantity: 2 }], ada, 'key-1');

      expect(again).toEqual(first);
      expect(kit.catalog.requestsOf(CATALOG_PATTERNS.RESERVE_STOCK)).toHaveLength(1);
      expect(kit.catalog.stockOf(mug)).toBe(8);
      expect(kit.idempotency.kept({ userId: ada, key: 'key-1', operation: 'place-order' })).toEqual({ outcome: { result: first } });
    });

    it('compares the items once merged, and refuses other items with IDEMPOTENCY_KEY_REUSED', async () => {
      const mug = kit.givenProduct(10);
      const first = await place([{ productId: mug, quantity: 2 }], ada, 'key-1');

      await expect(
        place(
          [
            { productId: mug, quantity: 1 },
            { productId: mug, quantity: 1 },
          ],
          ada,
          'key-1',
        ),
      ).resolves.toEqual(first);
      await expect(place([{ productId: mug, quantity: 3 }], ada, 'key-1')).rejects.toMatchObject({ code: ERROR_CODES.IDEMPOTENCY_KEY_REUSED });
      expect(kit.orders.size).toBe(1);
    });

    it('answers a refusal again, as it was', async () => {
      const mug = kit.givenProduct(1);

      await expect(place([{ productId: mug, quantity: 2 }], ada, 'key-1')).rejects.toMatchObject({ code: 'INSUFFICIENT_STOCK' });
      kit.catalog.givenProduct({ stock: 100 }, mug);
      await expect(place([{ productId: mug, quantity: 2 }], ada, 'key-1')).rejects.toMatchObject({ code: 'INSUFFICIENT_STOCK', details: { productId: mug } });
      expect(kit.catalog.requestsOf(CATALOG_PATTERNS.RESERVE_STOCK)).toHaveLength(1);
    });

    it('answers the recorded order to a user deactivated since, and refuses them a new key', async () => {
      const mug = kit.givenProduct(10);
      const first = await place([{ productId: mug, quantity: 1 }], ada, 'key-1');
      await kit.deactivate(ada);

      await expect(place([{ productId: mug, quantity: 1 }], ada, 'key-1')).resolves.toEqual(first);
      await expect(place([{ productId: mug, quantity: 1 }], ada, 'key-2')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
      expect(kit.orders.size).toBe(1);
    });

    it('keeps keys apart per user', async () => {
      const mug = kit.givenProduct(10);
      const first = await place([{ productId: mug, quantity: 1 }], ada, 'key-1');
      const other = await place([{ productId: mug, quantity: 1 }], newUserId(), 'key-1');
      expect(other.id).not.toBe(first.id);
    });

    /** A first request with `key` that failed at the catalog without an answer, its placement left to recovery. */
    const placementLeftUnresolved = async (product: string, key: string) => {
      kit.catalog.failNext(CATALOG_PATTERNS.RESERVE_STOCK);
      kit.catalog.failNext(CATALOG_PATTERNS.RELEASE_RESERVATION);
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      await expect(place([{ productId: product, quantity: 2 }], ada, key)).rejects.toBeInstanceOf(RemoteError);
    };

    it('answers IDEMPOTENCY_KEY_IN_USE, with when to ask again, while its first request is unresolved', async () => {
      const mug = kit.givenProduct(10);
      await placementLeftUnresolved(mug, 'key-1');

      await expect(place([{ productId: mug, quantity: 2 }], ada, 'key-1')).rejects.toMatchObject({
        code: ERROR_CODES.IDEMPOTENCY_KEY_IN_USE,
        details: { retryAfterSeconds: expect.any(Number) },
      });

      // Recovery releases what the first request may hold and forgets the key, so that a retry runs as new.
      kit.clock.advanceSeconds(60);
      await kit.recoverPlacements.execute(new RecoverPlacementsCommand());
      const retried = await place([{ productId: mug, quantity: 2 }], ada, 'key-1');
      expect(retried.status).toBe('AWAITING_PAYMENT');
      expect(kit.catalog.stockOf(mug)).toBe(8);
      expect(kit.orders.size).toBe(1);
    });

    it('runs a retry as new when its first request, failed without an answer, frees the key while the retry looks at it', async () => {
      // Between the retry finding the key taken and reading its answer, the first request's placement was given up and
      // its key forgotten: there is no answer to replay, and the key is free.
      const mug = kit.givenProduct(10);
      await placementLeftUnresolved(mug, 'key-3');
      const replay = kit.idempotency.replay.bind(kit.idempotency);
      jest.spyOn(kit.idempotency, 'replay').mockImplementationOnce(async (scope, request) => {
        kit.clock.advanceSeconds(60);
        await kit.recoverPlacements.execute(new RecoverPlacementsCommand());
        return replay(scope, request);
      });

      const retried = await place([{ productId: mug, quantity: 2 }], ada, 'key-3');

      expect(retried.status).toBe('AWAITING_PAYMENT');
      expect([kit.orders.size, kit.catalog.stockOf(mug)]).toEqual([1, 8]);
      await expect(place([{ productId: mug, quantity: 2 }], ada, 'key-3')).resolves.toEqual(retried);
    });

    it('frees the key at once when the reservation never reached the catalog, so that a retry runs as new', async () => {
      const mug = kit.givenProduct(10);
      const nobodyListening = new ContextUnreachableError('catalog is unavailable: no process serves it', true);
      kit.catalog.failNext(CATALOG_PATTERNS.RESERVE_STOCK, nobodyListening);
      kit.catalog.failNext(CATALOG_PATTERNS.RELEASE_RESERVATION, nobodyListening);
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      await expect(place([{ productId: mug, quantity: 2 }], ada, 'key-2')).rejects.toMatchObject({ code: ERROR_CODES.CONTEXT_UNAVAILABLE });

      const retried = await place([{ productId: mug, quantity: 2 }], ada, 'key-2');

      expect(retried.status).toBe('AWAITING_PAYMENT');
      expect([kit.orders.size, kit.catalog.stockOf(mug)]).toEqual([1, 8]);
      // The first placement, given up, is still released and ended by recovery.
      kit.clock.advanceSeconds(60);
      await kit.recoverPlacements.execute(new RecoverPlacementsCommand());
      expect(kit.placements.unfinished).toBe(0);
      await expect(place([{ productId: mug, quantity: 2 }], ada, 'key-2')).resolves.toEqual(retried);
    });

    it('refuses a key longer than 255 characters', async () => {
      const mug = kit.givenProduct(10);
      await expect(place([{ productId: mug, quantity: 1 }], ada, 'k'.repeat(256))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });
  });
});
