import { USERS_EVENTS } from '@tessera/contracts';
import { usersTestKit } from '../../testing/users-test-kit';
import { UpdateProfileCommand } from '../update-profile/update-profile.command';
import { UpdateProfileHandler } from '../update-profile/update-profile.handler';
import { DeactivateUserCommand } from './deactivate-user.command';
import { DeactivateUserHandler } from './deactivate-user.handler';

describe('DeactivateUserHandler', () => {
  async function setup() {
    const kit = usersTestKit();
    const ada = await kit.givenUser({ email: 'ada@example.com' });
    return { ...kit, ada, handler: new DeactivateUserHandler(kit.users) };
  }

  it('answers the user, now inactive, and publishes users.user.deactivated', async () => {
    const { handler, ada, users, outbox } = await setup();
    const view = await handler.execute(new DeactivateUserCommand(ada.id));
    expect(view).toMatchObject({ id: ada.id, status: 'inactive', email: 'ada@example.com' });
    expect(users.stored(ada.id)?.status).toBe('inactive');
    expect(outbox).toEqual([{ pattern: USERS_EVENTS.USER_DEACTIVATED, payload: { userId: ada.id, occurredAt: expect.any(String) } }]);
  });

  it('is idempotent: a second deactivation answers the same, writes nothing and publishes nothing more', async () => {
    const { handler, ada, users, outbox } = await setup();
    const first = await handler.execute(new DeactivateUserCommand(ada.id));
    const second = await handler.execute(new DeactivateUserCommand(ada.id));
    expect(second).toEqual(first);
    expect(users.stored(ada.id)?.version).toBe(2);
    expect(outbox).toHaveLength(1);
  });

  it('answers USER_NOT_FOUND for an unknown or malformed id', async () => {
    const { handler } = await setup();
    await expect(handler.execute(new DeactivateUserCommand('00000000-0000-4000-8000-000000000000'))).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    await expect(handler.execute(new DeactivateUserCommand('../admin'))).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  it('retries once when the user was saved in between, without losing that change', async () => {
    const { handler, ada, users } = await setup();
    const rename = new UpdateProfileHandler(users);
    users.interleaveBeforeNextUpdate(() => rename.execute(new UpdateProfileCommand(ada.id, { name: 'Ada King' })));
    await expect(handler.execute(new DeactivateUserCommand(ada.id))).resolves.toMatchObject({ status: 'inactive', name: 'Ada King' });
    expect(users.stored(ada.id)).toMatchObject({ status: 'inactive', name: 'Ada King', version: 3 });
  });
});
