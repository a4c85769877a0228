import { newUserId, orderingTestKit } from '../../testing/ordering-test-kit';
import { GetOrderQuery } from './get-order.query';

describe('GetOrderHandler', () => {
  let kit: ReturnType<typeof orderingTestKit>;
  const ada = newUserId();

  beforeEach(() => {
    kit = orderingTestKit();
  });

  it('answers the order to its owner, as it was placed', async () => {
    const order = await kit.givenOrder(ada);
    const { productId, ...placed } = order;

    const view = await kit.getOrder.execute(new GetOrderQuery(order.id, { userId: ada, isAdmin: false }));

    expect(view).toEqual(placed);
    expect(view.items[0].productId).toBe(productId);
  });

  it("answers anyone's order to an admin", async () => {
    const order = await kit.givenOrder(ada);
    await expect(kit.getOrder.execute(new GetOrderQuery(order.id, { userId: newUserId(), isAdmin: true }))).resolves.toMatchObject({
      id: order.id,
      userId: ada,
    });
  });

  it.each([
    ["another customer's order", (id: string) => id, { userId: newUserId(), isAdmin: false }],
    ['an unknown order', () => '7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f', { userId: ada, isAdmin: true }],
    ['a malformed id', () => '../orders', { userId: ada, isAdmin: true }],
    ['a request without a requester', (id: string) => id, undefined],
  ])('answers ORDER_NOT_FOUND for %s', async (_case, idOf, requester) => {
    const order = await kit.givenOrder(ada);
    await expect(kit.getOrder.execute(new GetOrderQuery(idOf(order.id), requester as never))).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
  });
});
