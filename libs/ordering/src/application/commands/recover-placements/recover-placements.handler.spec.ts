import { Logger } from '@nestjs/common';
import { CATALOG_PATTERNS, ERROR_CODES } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';
import type { OrderPlacement, PlacementKey } from '../../order-placements';
import { newUserId, orderingTestKit } from '../../testing/ordering-test-kit';
import { GetOrderQuery } from '../../queries/get-order/get-order.query';
import { PlaceOrderCommand } from '../place-order/place-order.command';
import { RecoverPlacementsCommand } from './recover-placements.command';
import { RecoverPlacementsHandler } from './recover-placements.handler';

// What a request killed between two steps leaves behind is made here by hand: the intent stored (and, for some, the
// stock reserved), and nothing else, as after a SIGKILL. Recovery must finish each the way ADR 0005 says.
describe('RecoverPlacementsHandler', () => {
  let kit: ReturnType<typeof orderingTestKit>;
  const ada = newUserId();
  const orderId = '7d0f5d3e-3b8e-4a57-9a35-1f2c1e0e7a11';
  const key: PlacementKey = { scope: { userId: ada, key: 'key-1', operation: 'place-order' }, request: { items: [] } };

  beforeEach(() => {
    kit = orderingTestKit();
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  async function leftBehind(productId: string, quantity: number, withKey = true): Promise<OrderPlacement> {
    await kit.customers.record(ada, 'active');
    return kit.begunPlacement(ada, productId, quantity, { orderId, key: withKey ? key : undefined });
  }

  const recover = () => kit.recoverPlacements.execute(new RecoverPlacementsCommand());
  const retry = (productId: string, quantity: number) => kit.placeOrder.execute(new PlaceOrderCommand(ada, [{ productId, quantity }], 'key-1'));
  const pastTheBound = () => kit.clock.advanceSeconds(kit.settings.placementRecoveryAfterMs / 1000 + 1);

  it('leaves a placement alone while its request may still be running', async () => {
    const mug = kit.givenProduct(10);
    await leftBehind(mug, 2);

    expect(await recover()).toBe(0);
    expect(kit.catalog.calls).toEqual([]);
    expect(kit.placements.stageOf(orderId)).toBe('PLACING');
  });

  it('places the order of a request killed after its stock was reserved, reserving nothing twice, and answers its key with it', async () => {
    const mug = kit.givenProduct(10);
    const placement = await leftBehind(mug, 2);
    await kit.catalog.asClient().send(CATALOG_PATTERNS.RESERVE_STOCK, { reservationId: orderId, lines: placement.lines });
    expect(kit.catalog.stockOf(mug)).toBe(8);
    pastTheBound();

    expect(await recover()).toBe(1);

    expect(kit.catalog.stockOf(mug)).toBe(8);
    const order = await kit.getOrder.execute(new GetOrderQuery(orderId, { userId: ada, isAdmin: false }));
    expect(order).toMatchObject({ id: orderId, status: 'AWAITING_PAYMENT', createdAt: placement.createdAt.toISOString() });
    expect(Date.parse(order.expiresAt) - Date.parse(order.createdAt)).toBe(kit.settings.paymentTimeoutSeconds * 1000);
    await expect(retry(mug, 2)).resolves.toEqual(order);
    expect(kit.placements.unfinished).toBe(0);
    expect(kit.outbox.published.map((event) => event.pattern)).toEqual(['ordering.order.placed']);
  });

  it('places the order of a request killed before the catalog heard of it', async () => {
    const mug = kit.givenProduct(10);
    await leftBehind(mug, 3);
    pastTheBound();

    expect(await recover()).toBe(1);

    expect(kit.catalog.stockOf(mug)).toBe(7);
    await expect(retry(mug, 3)).resolves.toMatchObject({ id: orderId, status: 'AWAITING_PAYMENT' });
  });

  it('answers the key with the refusal the catalog gives now', async () => {
    const mug = kit.givenProduct(1);
    await leftBehind(mug, 2);
    pastTheBound();

    expect(await recover()).toBe(1);

    await expect(retry(mug, 2)).rejects.toMatchObject({ code: ERROR_CODES.INSUFFICIENT_STOCK });
    expect(kit.orders.size).toBe(0);
    expect(kit.placements.unfinished).toBe(0);
  });

  it('does not place an order nobody can pay any more: it releases the stock and forgets the key', async () => {
    const mug = kit.givenProduct(10);
    const placement = await leftBehind(mug, 2);
    await kit.catalog.asClient().send(CATALOG_PATTERNS.RESERVE_STOCK, { reservationId: orderId, lines: placement.lines });
    kit.clock.advanceSeconds(kit.settings.paymentTimeoutSeconds + 1);

    expect(await recover()).toBe(1);

    expect(kit.catalog.stockOf(mug)).toBe(10);
    expect(kit.catalog.statusOf(orderId)).toBe('RELEASED');
    expect(kit.orders.size).toBe(0);
    expect(kit.idempotency.kept(key.scope)).toBeUndefined();
    await expect(retry(mug, 2)).resolves.toMatchObject({ status: 'AWAITING_PAYMENT' });
  });

  it('releases the stock of a placement given up but not undone, once however often it is asked', async () => {
    const mug = kit.givenProduct(10);
    const placement = await leftBehind(mug, 4);
    await kit.catalog.asClient().send(CATALOG_PATTERNS.RESERVE_STOCK, { reservationId: orderId, lines: placement.lines });
    expect(await kit.placements.giveUp(orderId)).toBe(true);
    kit.catalog.failNext(CATALOG_PATTERNS.RELEASE_RESERVATION);
    pastTheBound();

    expect(await recover()).toBe(0);
    expect(kit.placements.stageOf(orderId)).toBe('COMPENSATING');
    kit.clock.advanceSeconds(60);
    expect(await recover()).toBe(1);

    expect(kit.catalog.stockOf(mug)).toBe(10);
    expect(kit.placements.unfinished).toBe(0);
    expect(kit.orders.size).toBe(0);
  });

  it('tries again later when the catalog cannot be reached, backing off', async () => {
    const mug = kit.givenProduct(10);
    await leftBehind(mug, 1);
    kit.catalog.failNext(CATALOG_PATTERNS.RESERVE_STOCK, new DomainError(ERROR_CODES.CONTEXT_UNAVAILABLE, 'catalog is unavailable'));
    kit.catalog.failNext(CATALOG_PATTERNS.RELEASE_RESERVATION);
    pastTheBound();

    expect(await recover()).toBe(0);
    expect(await recover()).toBe(0);
    expect(kit.catalog.requestsOf(CATALOG_PATTERNS.RELEASE_RESERVATION)).toHaveLength(1);
    kit.clock.advanceSeconds(60);
    expect(await recover()).toBe(1);
    expect(kit.catalog.stockOf(mug)).toBe(10);
    expect(kit.placements.unfinished).toBe(0);
  });

  it('places the order with the expiry and the hold the placement was begun with, though the payment timeout grew since', async () => {
    const mug = kit.givenProduct(10);
    const placement = await leftBehind(mug, 2);
    const begunWith = kit.settings.paymentTimeoutSeconds;
    kit.changeSettings({ ORDER_PAYMENT_TIMEOUT_SECONDS: begunWith * 4 });
    pastTheBound();

    expect(await recover()).toBe(1);

    const order = await kit.getOrder.execute(new GetOrderQuery(orderId, { userId: ada, isAdmin: false }));
    expect(Date.parse(order.expiresAt) - placement.createdAt.getTime()).toBe(begunWith * 1000);
    expect(kit.catalog.requestsOf(CATALOG_PATTERNS.RESERVE_STOCK)).toEqual([
      expect.objectContaining({ reservationId: orderId, holdSeconds: kit.settings.reservationHoldSecondsFor(begunWith) }),
    ]);
  });

  it('gives up a placement whose time to pay, as it was begun, is over, though the payment timeout grew since', async () => {
    const mug = kit.givenProduct(10);
    const placement = await leftBehind(mug, 2);
    await kit.catalog.asClient().send(CATALOG_PATTERNS.RESERVE_STOCK, { reservationId: orderId, lines: placement.lines });
    kit.changeSettings({ ORDER_PAYMENT_TIMEOUT_SECONDS: kit.settings.paymentTimeoutSeconds * 4 });
    kit.clock.advanceSeconds(placement.paymentTimeoutSeconds! + 1);

    expect(await recover()).toBe(1);

    expect(kit.catalog.statusOf(orderId)).toBe('RELEASED');
    expect(kit.orders.size).toBe(0);
  });

  it('leaves a placement to the instance working on it for as long as that work can take, and the next one to another instance', async () => {
    const mug = kit.givenProduct(10);
    const first = await leftBehind(mug, 1, false);
    kit.clock.advanceSeconds(1);
    const second = { ...first, orderId: '5c1e9a0b-2f4d-4e6a-8b7c-9d0e1f2a3b4c', createdAt: kit.clock.now() };
    await kit.placements.begin(second, new Date(kit.clock.now().getTime() + kit.settings.placementRecoveryAfterMs));
    const reserve = kit.catalog.handlerOf(CATALOG_PATTERNS.RESERVE_STOCK);
    let answerFirst!: () => void;
    const firstAnswered = new Promise<void>((resolve) => (answerFirst = resolve));
    let held = false;
    kit.catalog.answer(CATALOG_PATTERNS.RESERVE_STOCK, async (request) => {
      if (request.reservationId === first.orderId && !held) {
        held = true;
        await firstAnswered;
      }
      return reserve(request);
    });
    const otherInstance = new RecoverPlacementsHandler(kit.placements, kit.steps, kit.settings, kit.clock);
    pastTheBound();

    const round = recover();
    await until(() => kit.catalog.requestsOf(CATALOG_PATTERNS.RESERVE_STOCK).length === 1);
    // The catalog answers the first placement's reservation a moment before its lease would run out.
    kit.clock.advanceSeconds(kit.settings.placementRecoveryLeaseMs / 1000 - 1);
    expect(await otherInstance.execute(new RecoverPlacementsCommand())).toBe(1);
    answerFirst();
    expect(await round).toBe(1);

    expect(kit.catalog.requestsOf(CATALOG_PATTERNS.RESERVE_STOCK).map((request) => request.reservationId)).toEqual([first.orderId, second.orderId]);
    expect(kit.orders.size).toBe(2);
    expect(kit.placements.unfinished).toBe(0);
  });
});

/** Waits, a turn of the event loop at a time, until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; !condition(); turn++) {
    if (turn > 1000) throw new Error('The condition never held');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
