import { newUserId, orderingTestKit } from '../../testing/ordering-test-kit';
import { ListOrdersQuery } from './list-orders.query';

describe('ListOrdersHandler', () => {
  let kit: ReturnType<typeof orderingTestKit>;
  const ada = newUserId();
  const bob = newUserId();
  const asAda = { userId: ada, isAdmin: false };
  const asAdmin = { userId: newUserId(), isAdmin: true };

  beforeEach(() => {
    kit = orderingTestKit();
  });

  /** Places orders one minute apart, for the users given in turn; answers their ids in that order. */
  async function given(...owners: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const owner of owners) {
      ids.push((await kit.givenOrder(owner)).id);
      kit.clock.advanceSeconds(60);
    }
    return ids;
  }

  const ids = async (query: ListOrdersQuery) => (await kit.listOrders.execute(query)).items.map((order) => order.id);

  it('answers a customer their own orders, newest first, whatever userId they name', async () => {
    const [first, , third] = await given(ada, bob, ada);

    const page = await kit.listOrders.execute(new ListOrdersQuery(asAda, 1, 20, bob));

    expect(page).toMatchObject({ total: 2, page: 1, limit: 20 });
    expect(page.items.map((order) => order.id)).toEqual([third, first]);
    expect(page.items.every((order) => order.userId === ada)).toBe(true);
  });

  it("answers an admin everyone's orders, or one user's with userId", async () => {
    const [first, second, third] = await given(ada, bob, ada);

    expect(await ids(new ListOrdersQuery(asAdmin))).toEqual([third, second, first]);
    expect(await ids(new ListOrdersQuery(asAdmin, 1, 20, bob))).toEqual([second]);
  });

  it('pages with the total, 20 by default', async () => {
    const placed = await given(...Array.from({ length: 25 }, () => ada));

    const [one, two] = await Promise.all([kit.listOrders.execute(new ListOrdersQuery(asAda)), kit.listOrders.execute(new ListOrdersQuery(asAda, 2))]);

    expect([one.items.length, two.items.length, one.total, two.total]).toEqual([20, 5, 25, 25]);
    expect([...one.items, ...two.items].map((order) => order.id)).toEqual([...placed].reverse());
  });

  it('answers an empty page for a userId that is no UUID', async () => {
    await given(ada);
    await expect(kit.listOrders.execute(new ListOrdersQuery(asAdmin, 1, 20, 'nobody'))).resolves.toEqual({ items: [], total: 0, page: 1, limit: 20 });
  });

  it.each([
    ['page 0', new ListOrdersQuery(asAda, 0, 20), 'page'],
    ['limit 101', new ListOrdersQuery(asAda, 1, 101), 'limit'],
    ['a fractional limit', new ListOrdersQuery(asAda, 1, 2.5), 'limit'],
  ])('answers VALIDATION_FAILED for %s', async (_case, query, field) => {
    await expect(kit.listOrders.execute(query)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', problems: [expect.objectContaining({ field })] });
  });
});
