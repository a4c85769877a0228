import { USERS_EVENTS } from '@tessera/contracts';
import { Email } from '../../../domain/email.value-object';
import { EmailTakenError } from '../../../domain/user.errors';
import { usersTestKit } from '../../testing/users-test-kit';
import { EnsureAdminCommand } from './ensure-admin.command';
import { EnsureAdminHandler } from './ensure-admin.handler';

describe('EnsureAdminHandler', () => {
  function setup() {
    const kit = usersTestKit();
    return { ...kit, handler: new EnsureAdminHandler(kit.users, kit.hasher) };
  }

  it('creates an active admin when no user has the email, and publishes users.user.registered', async () => {
    const { handler, users, outbox } = setup();
    await expect(handler.execute(new EnsureAdminCommand('Admin@Shop.local', 'admin-password'))).resolves.toBe('created');
    const admin = await users.findByEmail(Email.of('admin@shop.local'));
    expect(admin).toMatchObject({ role: 'admin', status: 'active', passwordHash: 'fake-hash(admin-password)' });
    expect(admin?.name.value).toBe('Administrator');
    expect(outbox.map((event) => event.pattern)).toEqual([USERS_EVENTS.USER_REGISTERED]);
  });

  it('leaves an existing admin alone, password included, on every later start', async () => {
    const { handler, users, hasher, outbox } = setup();
    await handler.execute(new EnsureAdminCommand('admin@shop.local', 'admin-password'));
    await expect(handler.execute(new EnsureAdminCommand('admin@shop.local', 'a-new-password'))).resolves.toBe('existing');
    expect(users.count()).toBe(1);
    expect((await users.findByEmail(Email.of('admin@shop.local')))?.passwordHash).toBe('fake-hash(admin-password)');
    expect(hasher.calls).toEqual(['hash']);
    expect(outbox).toHaveLength(1);
  });

  it('never turns an existing customer into an admin, and says so', async () => {
    const { handler, givenUser, users } = setup();
    const customer = await givenUser({ email: 'boss@example.com' });
    await expect(handler.execute(new EnsureAdminCommand('boss@example.com', 'admin-password'))).resolves.toBe('not-an-active-admin');
    expect(users.stored(customer.id)).toMatchObject({ role: 'customer', version: 1 });
  });

  it('reports an inactive admin rather than reviving it', async () => {
    const { handler, givenUser } = setup();
    await givenUser({ email: 'admin@shop.local', role: 'admin', inactive: true });
    await expect(handler.execute(new EnsureAdminCommand('admin@shop.local', 'admin-password'))).resolves.toBe('not-an-active-admin');
  });

  it('accepts that another replica created the admin first', async () => {
    const { handler, users, givenUser, outbox } = setup();
    jest.spyOn(users, 'insert').mockImplementationOnce(async () => {
      await givenUser({ email: 'admin@shop.local', role: 'admin' });
      throw new EmailTakenError();
    });
    await expect(handler.execute(new EnsureAdminCommand('admin@shop.local', 'admin-password'))).resolves.toBe('existing');
    expect(outbox).toEqual([]);
  });

  it('refuses a configuration that breaks the rules, naming the variables', async () => {
    const { handler, users } = setup();
    await expect(handler.execute(new EnsureAdminCommand('not-an-email', 'short'))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      problems: [expect.objectContaining({ field: 'ADMIN_EMAIL' }), expect.objectContaining({ field: 'ADMIN_PASSWORD' })],
    });
    expect(users.count()).toBe(0);
  });
});
