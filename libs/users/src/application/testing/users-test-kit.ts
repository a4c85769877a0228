import { Email } from '../../domain/email.value-object';
import { User, UserRole } from '../../domain/user.aggregate';
import { UserName } from '../../domain/user-name.value-object';
import { FakePasswordHasher } from './fake-password.hasher';
import { InMemoryUserRepository } from './in-memory-user.repository';

/** The collaborators every users handler test needs, wired together. */
export function usersTestKit() {
  const users = new InMemoryUserRepository();
  const hasher = new FakePasswordHasher();
  return {
    users,
    hasher,
    /** The integration events stored with the changes, as they would leave the users outbox. */
    outbox: users.outbox,
    /** Stores a user directly, as if registered earlier; publishes nothing. */
    async givenUser(options: { email: string; name?: string; password?: string; role?: UserRole; inactive?: boolean; at?: Date }): Promise<User> {
      const user = User.register({
        email: Email.of(options.email),
        name: UserName.of(options.name ?? 'Ada Lovelace'),
        passwordHash: await hasher.hash(options.password ?? 'correct horse'),
        role: options.role ?? 'customer',
        now: options.at,
      });
      if (options.inactive) user.deactivate(options.at);
      user.pullEvents();
      await users.insert(user);
      hasher.calls.length = 0;
      return user;
    },
  };
}
