import { USERS_EVENTS } from '@tessera/contracts';
import { usersTestKit } from '../../testing/users-test-kit';
import { DeactivateUserCommand } from '../deactivate-user/deactivate-user.command';
import { DeactivateUserHandler } from '../deactivate-user/deactivate-user.handler';
import { UpdateProfileCommand } from './update-profile.command';
import { UpdateProfileHandler } from './update-profile.handler';

describe('UpdateProfileHandler', () => {
  async function setup() {
    const kit = usersTestKit();
    const ada = await kit.givenUser({ email: 'ada@example.com', name: 'Ada' });
    return { ...kit, ada, handler: new UpdateProfileHandler(kit.users) };
  }

  it('changes the name only, and publishes nothing since no other context needs names', async () => {
    const { handler, ada, users, outbox } = await setup();
    const view = await handler.execute(new UpdateProfileCommand(ada.id, { name: ' Ada King ' }));
    expect(view).toMatchObject({ id: ada.id, name: 'Ada King', email: 'ada@example.com' });
    expect(users.stored(ada.id)).toMatchObject({ name: 'Ada King', version: 2 });
    expect(outbox).toEqual([]);
  });

  it('changes the email, normalized, and publishes users.user.email-changed', async () => {
    const { handler, ada, users, outbox } = await setup();
    const view = await handler.execute(new UpdateProfileCommand(ada.id, { email: 'Ada.King@Example.com' }));
    expect(view.email).toBe('ada.king@example.com');
    expect(users.stored(ada.id)?.email).toBe('ada.king@example.com');
    expect(outbox).toEqual([
      { pattern: USERS_EVENTS.USER_EMAIL_CHANGED, payload: { userId: ada.id, email: 'ada.king@example.com', occurredAt: expect.any(String) } },
    ]);
  });

  it('changes both at once', async () => {
    const { handler, ada } = await setup();
    await expect(handler.execute(new UpdateProfileCommand(ada.id, { name: 'Ada King', email: 'king@example.com' }))).resolves.toMatchObject({
      name: 'Ada King',
      email: 'king@example.com',
    });
  });

  it('answers EMAIL_TAKEN for an email another user has, in any letter case, and changes nothing', async () => {
    const { handler, ada, givenUser, users, outbox } = await setup();
    await givenUser({ email: 'grace@example.com' });
    await expect(handler.execute(new UpdateProfileCommand(ada.id, { name: 'Ada King', email: 'GRACE@example.com' }))).rejects.toMatchObject({
      code: 'EMAIL_TAKEN',
    });
    expect(users.stored(ada.id)).toMatchObject({ name: 'Ada', email: 'ada@example.com', version: 1 });
    expect(outbox).toEqual([]);
  });

  it('writes nothing and publishes nothing when nothing changes', async () => {
    const { handler, ada, users, outbox } = await setup();
    await expect(handler.execute(new UpdateProfileCommand(ada.id, { name: 'Ada', email: 'ADA@example.com' }))).resolves.toMatchObject({ name: 'Ada' });
    await expect(handler.execute(new UpdateProfileCommand(ada.id, {}))).resolves.toMatchObject({ name: 'Ada' });
    expect(users.stored(ada.id)?.version).toBe(1);
    expect(outbox).toEqual([]);
  });

  it('lists every invalid field at once', async () => {
    const { handler, ada } = await setup();
    await expect(handler.execute(new UpdateProfileCommand(ada.id, { name: '', email: 'nope' }))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      problems: [expect.objectContaining({ field: 'name' }), expect.objectContaining({ field: 'email' })],
    });
  });

  it('answers USER_NOT_FOUND for an unknown or malformed id', async () => {
    const { handler } = await setup();
    await expect(handler.execute(new UpdateProfileCommand('00000000-0000-4000-8000-000000000000', { name: 'X' }))).rejects.toMatchObject({
      code: 'USER_NOT_FOUND',
    });
    await expect(handler.execute(new UpdateProfileCommand('nope', { name: 'X' }))).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  it('retries once when another request saved the user in between, keeping both changes', async () => {
    const { handler, ada, users, outbox } = await setup();
    const deactivate = new DeactivateUserHandler(users);
    users.interleaveBeforeNextUpdate(() => deactivate.execute(new DeactivateUserCommand(ada.id)));
    const view = await handler.execute(new UpdateProfileCommand(ada.id, { email: 'king@example.com' }));
    expect(view).toMatchObject({ email: 'king@example.com', status: 'inactive' });
    expect(users.stored(ada.id)).toMatchObject({ email: 'king@example.com', status: 'inactive', version: 3 });
    expect(outbox.map((event) => event.pattern)).toEqual([USERS_EVENTS.USER_DEACTIVATED, USERS_EVENTS.USER_EMAIL_CHANGED]);
  });

  it('keeps trying while other writers win, then applies on top of what they stored', async () => {
    const { handler, ada, users, outbox } = await setup();
    const rename = new UpdateProfileHandler(users);
    users.interleaveBeforeNextUpdate(() => rename.execute(new UpdateProfileCommand(ada.id, { name: 'First' })));
    users.interleaveBeforeNextUpdate(() => rename.execute(new UpdateProfileCommand(ada.id, { name: 'Second' })));
    await handler.execute(new UpdateProfileCommand(ada.id, { email: 'king@example.com' }));
    expect(users.stored(ada.id)).toMatchObject({ email: 'king@example.com', name: 'Second' });
    expect(outbox.map((event) => event.pattern)).toEqual(['users.user.email-changed']);
  });
});
