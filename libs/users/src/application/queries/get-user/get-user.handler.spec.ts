import { usersTestKit } from '../../testing/users-test-kit';
import { GetUserHandler } from './get-user.handler';
import { GetUserQuery } from './get-user.query';

describe('GetUserHandler', () => {
  function setup() {
    const kit = usersTestKit();
    return { ...kit, handler: new GetUserHandler(kit.users) };
  }

  it('answers the user, inactive ones included', async () => {
    const { handler, givenUser } = setup();
    const grace = await givenUser({ email: 'grace@example.com', name: 'Grace', role: 'admin', inactive: true });
    await expect(handler.execute(new GetUserQuery(grace.id))).resolves.toEqual({
      id: grace.id,
      email: 'grace@example.com',
      name: 'Grace',
      role: 'admin',
      status: 'inactive',
      createdAt: grace.createdAt.toISOString(),
    });
  });

  it('answers USER_NOT_FOUND for an unknown id', async () => {
    const { handler } = setup();
    await expect(handler.execute(new GetUserQuery('00000000-0000-4000-8000-000000000000'))).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  it.each(['not-a-uuid', '', "1' OR '1'='1", 42, null])('answers USER_NOT_FOUND for the malformed id %j without asking the repository', async (id) => {
    const { handler, users } = setup();
    const findById = jest.spyOn(users, 'findById');
    await expect(handler.execute(new GetUserQuery(id as string))).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    expect(findById).not.toHaveBeenCalled();
  });
});
