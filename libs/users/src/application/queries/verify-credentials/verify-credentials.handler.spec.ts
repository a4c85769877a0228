import { usersTestKit } from '../../testing/users-test-kit';
import { VerifyCredentialsHandler } from './verify-credentials.handler';
import { VerifyCredentialsQuery } from './verify-credentials.query';

describe('VerifyCredentialsHandler', () => {
  function setup() {
    const kit = usersTestKit();
    return { ...kit, handler: new VerifyCredentialsHandler(kit.users, kit.hasher) };
  }

  it('answers the user for the right email and password, the email in any letter case', async () => {
    const { handler, givenUser } = setup();
    const ada = await givenUser({ email: 'ada@example.com', password: 'correct horse' });
    await expect(handler.execute(new VerifyCredentialsQuery(' ADA@example.com', 'correct horse'))).resolves.toEqual({
      id: ada.id,
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      role: 'customer',
      status: 'active',
      createdAt: ada.createdAt.toISOString(),
    });
  });

  it('answers INVALID_CREDENTIALS for a wrong password', async () => {
    const { handler, givenUser } = setup();
    await givenUser({ email: 'ada@example.com', password: 'correct horse' });
    await expect(handler.execute(new VerifyCredentialsQuery('ada@example.com', 'Correct horse'))).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('answers INVALID_CREDENTIALS for an inactive user, even with the right password', async () => {
    const { handler, givenUser } = setup();
    await givenUser({ email: 'ada@example.com', password: 'correct horse', inactive: true });
    await expect(handler.execute(new VerifyCredentialsQuery('ada@example.com', 'correct horse'))).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('answers INVALID_CREDENTIALS for an unknown email, after the same hashing work as a known one', async () => {
    const { handler, givenUser, hasher } = setup();
    await givenUser({ email: 'ada@example.com', password: 'correct horse' });

    await expect(handler.execute(new VerifyCredentialsQuery('nobody@example.com', 'correct horse'))).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(hasher.calls).toEqual(['hash']);

    hasher.calls.length = 0;
    await expect(handler.execute(new VerifyCredentialsQuery('ada@example.com', 'wrong password'))).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(hasher.calls).toEqual(['verify']);
  });

  it('gives one and the same error message whatever was wrong', async () => {
    const { handler, givenUser } = setup();
    await givenUser({ email: 'ada@example.com', password: 'correct horse' });
    await givenUser({ email: 'gone@example.com', password: 'correct horse', inactive: true });
    const failures = await Promise.all(
      [
        new VerifyCredentialsQuery('nobody@example.com', 'correct horse'),
        new VerifyCredentialsQuery('ada@example.com', 'wrong password'),
        new VerifyCredentialsQuery('gone@example.com', 'correct horse'),
      ].map((query) => handler.execute(query).catch((error: Error) => ({ ...error, message: error.message }))),
    );
    expect(new Set(failures.map((failure) => JSON.stringify(failure))).size).toBe(1);
  });

  it('answers INVALID_CREDENTIALS, not a validation error, for a malformed email or a missing password', async () => {
    const { handler, hasher } = setup();
    await expect(handler.execute(new VerifyCredentialsQuery('not an email', 'whatever1'))).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(handler.execute(new VerifyCredentialsQuery('ada@example.com', undefined as never))).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(hasher.calls).toEqual(['hash', 'hash']);
  });
});
