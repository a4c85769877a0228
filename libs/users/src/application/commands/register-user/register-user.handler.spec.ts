import { USERS_EVENTS } from '@tessera/contracts';
import { ValidationError } from '@tessera/shared-kernel';
import { EmailTakenError } from '../../../domain/user.errors';
import { usersTestKit } from '../../testing/users-test-kit';
import { RegisterUserCommand } from './register-user.command';
import { RegisterUserHandler } from './register-user.handler';

describe('RegisterUserHandler', () => {
  function setup() {
    const kit = usersTestKit();
    return { ...kit, handler: new RegisterUserHandler(kit.users, kit.hasher) };
  }

  it('registers an active customer and answers its view, without any hash', async () => {
    const { handler, users } = setup();
    const view = await handler.execute(new RegisterUserCommand(' Ada@Example.com ', 'correct horse', ' Ada Lovelace '));
    expect(view).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      role: 'customer',
      status: 'active',
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
    expect(JSON.stringify(view)).not.toContain('hash');
    expect(users.stored(view.id)?.passwordHash).toBe('fake-hash(correct horse)');
  });

  it('publishes users.user.registered after saving', async () => {
    const { handler, outbox } = setup();
    const view = await handler.execute(new RegisterUserCommand('ada@example.com', 'correct horse', 'Ada'));
    expect(outbox).toEqual([{ pattern: USERS_EVENTS.USER_REGISTERED, payload: { userId: view.id, email: 'ada@example.com', occurredAt: view.createdAt } }]);
  });

  it('answers EMAIL_TAKEN for an email already used in any letter case, without hashing', async () => {
    const { handler, givenUser, hasher, outbox, users } = setup();
    await givenUser({ email: 'ada@example.com' });
    await expect(handler.execute(new RegisterUserCommand('ADA@EXAMPLE.COM', 'correct horse', 'Ada'))).rejects.toMatchObject({ code: 'EMAIL_TAKEN' });
    expect(hasher.calls).toEqual([]);
    expect(users.count()).toBe(1);
    expect(outbox).toEqual([]);
  });

  it('answers EMAIL_TAKEN when another registration wins the race for the email, and publishes nothing', async () => {
    const { handler, users, outbox } = setup();
    jest.spyOn(users, 'insert').mockRejectedValueOnce(new EmailTakenError());
    await expect(handler.execute(new RegisterUserCommand('ada@example.com', 'correct horse', 'Ada'))).rejects.toBeInstanceOf(EmailTakenError);
    expect(outbox).toEqual([]);
  });

  it('lists every invalid field at once', async () => {
    const { handler, users } = setup();
    const attempt = handler.execute(new RegisterUserCommand('not-an-email', 'short', '   '));
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      problems: [
        { field: 'email', message: 'must be a valid email address' },
        { field: 'name', message: 'must not be empty' },
        { field: 'password', message: 'must be 8 to 128 characters' },
      ],
    });
    expect(users.count()).toBe(0);
  });
});
