import { usersTestKit } from '../../testing/users-test-kit';
import { ListUsersHandler } from './list-users.handler';
import { ListUsersQuery } from './list-users.query';

describe('ListUsersHandler', () => {
  async function setup() {
    const kit = usersTestKit();
    const sameInstant = new Date('2026-01-01T00:00:00.000Z');
    // Registered out of order, two at the same instant, to show the order is by time, then id.
    await kit.givenUser({ email: 'c@example.com', at: new Date('2026-03-01T00:00:00.000Z') });
    await kit.givenUser({ email: 'a1@example.com', at: sameInstant });
    await kit.givenUser({ email: 'a2@example.com', at: sameInstant });
    await kit.givenUser({ email: 'b@example.com', at: new Date('2026-02-01T00:00:00.000Z') });
    return { ...kit, handler: new ListUsersHandler(kit.users) };
  }

  it('answers a page of users in registration order, ties broken by id, with the total', async () => {
    const { handler } = await setup();
    const page = await handler.execute(new ListUsersQuery(1, 10));
    expect(page).toMatchObject({ total: 4, page: 1, limit: 10 });
    const [first, second, ...rest] = page.items;
    expect([first.email, second.email].sort()).toEqual(['a1@example.com', 'a2@example.com']);
    expect(first.id < second.id).toBe(true);
    expect(rest.map((user) => user.email)).toEqual(['b@example.com', 'c@example.com']);
    expect(JSON.stringify(page)).not.toContain('hash');
  });

  it('pages without overlap or gap', async () => {
    const { handler } = await setup();
    const all = (await handler.execute(new ListUsersQuery(1, 100))).items.map((user) => user.id);
    const pages = await Promise.all([1, 2, 3].map((page) => handler.execute(new ListUsersQuery(page, 3))));
    expect(pages.flatMap((page) => page.items.map((user) => user.id))).toEqual(all);
    expect(pages.map((page) => page.items.length)).toEqual([3, 1, 0]);
    expect(pages.every((page) => page.total === 4)).toBe(true);
  });

  it('uses page 1 and limit 20 when they are absent', async () => {
    const { handler } = await setup();
    await expect(handler.execute(new ListUsersQuery())).resolves.toMatchObject({ page: 1, limit: 20, total: 4 });
  });

  it.each([
    [0, 20, 'page'],
    [1.5, 20, 'page'],
    [1, 0, 'limit'],
    [1, 101, 'limit'],
    ['2' as unknown as number, 20, 'page'],
  ])('refuses page %j with limit %j, naming %s', async (page, limit, field) => {
    const { handler } = await setup();
    await expect(handler.execute(new ListUsersQuery(page, limit))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      problems: [expect.objectContaining({ field })],
    });
  });
});
