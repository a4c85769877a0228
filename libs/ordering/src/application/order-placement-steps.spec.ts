import { Logger } from '@nestjs/common';
import { CATALOG_PATTERNS, ERROR_CODES } from '@tessera/contracts';
import { newUserId, orderingTestKit } from './testing/ordering-test-kit';

// Two attempts at one placement, each with its own copy of it, as a recoverer and a live request slower than three
// request timeouts have, or two recoverers: the first ends the placement, the second goes on with its copy.
describe('OrderPlacementSteps, when another attempt ended the placement first', () => {
  let kit: ReturnType<typeof orderingTestKit>;
  const ada = newUserId();

  beforeEach(async () => {
    kit = orderingTestKit();
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await kit.customers.record(ada, 'active');
  });

  afterEach(() => jest.restoreAllMocks());

  const begun = (productId: string, quantity: number) => kit.begunPlacement(ada, productId, quantity);

  const restock = (productId: string, units: number) => kit.catalog.givenProduct({ stock: units }, productId);

  it('releases what it reserved after the other attempt was refused, and answers CONCURRENT_MODIFICATION', async () => {
    const mug = kit.catalog.givenProduct({ stock: 0 });
    const placement = await begun(mug, 2);
    const copy = { ...placement };
    await expect(kit.steps.carryOut(placement)).rejects.toMatchObject({ code: ERROR_CODES.INSUFFICIENT_STOCK });
    restock(mug, 5);

    await expect(kit.steps.carryOut(copy)).rejects.toMatchObject({ code: ERROR_CODES.CONCURRENT_MODIFICATION });

    expect(kit.catalog.statusOf(placement.orderId)).toBe('RELEASED');
    expect(kit.catalog.stockOf(mug)).toBe(5);
    expect(await kit.orders.findSnapshot(placement.orderId)).toBeNull();
    expect(kit.placements.unfinished).toBe(0);
  });

  it('releases what it may have reserved when its reply was lost after the other attempt was refused', async () => {
    const mug = kit.catalog.givenProduct({ stock: 0 });
    const placement = await begun(mug, 2);
    const copy = { ...placement };
    await expect(kit.steps.carryOut(placement)).rejects.toMatchObject({ code: ERROR_CODES.INSUFFICIENT_STOCK });
    restock(mug, 5);
    kit.catalog.loseNextReply(CATALOG_PATTERNS.RESERVE_STOCK);

    await expect(kit.steps.carryOut(copy)).rejects.toMatchObject({ code: ERROR_CODES.CONTEXT_UNAVAILABLE });

    expect(kit.catalog.statusOf(placement.orderId)).toBe('RELEASED');
    expect(kit.catalog.stockOf(mug)).toBe(5);
    expect(await kit.orders.findSnapshot(placement.orderId)).toBeNull();
  });

  it('keeps the reservation of the order the other attempt placed, and answers that order', async () => {
    const mug = kit.catalog.givenProduct({ stock: 5 });
    const placement = await begun(mug, 2);
    const copy = { ...placement };
    const placed = await kit.steps.carryOut(placement);

    await expect(kit.steps.carryOut(copy)).resolves.toEqual(placed);

    expect(kit.catalog.statusOf(placement.orderId)).toBe('RESERVED');
    expect(kit.catalog.stockOf(mug)).toBe(3);
    expect(kit.catalog.requestsOf(CATALOG_PATTERNS.RELEASE_RESERVATION)).toEqual([]);
  });
});
