import { Email } from '../../domain/email.value-object';
import { User, UserRole } from '../../domain/user.aggregate';
import { UserName } from '../../domain/user-name.value-object';
import { UserEventsPublisher } from '../user-events.publisher';
import { FakeIntegrationEventPublisher } from './fake-integration-event.publisher';
import { FakePasswordHasher } from './fake-password.hasher';
import { InMemoryUserRepository } from './in-memory-user.repository';

/** The collaborators every users handler test needs, wired together. */
export function usersTestKit() {
  const users = new InMemoryUserRepository();
  const hasher = new FakePasswordHasher();
  const publisher = new FakeIntegrationEventPublisher();
  const events = new UserEventsPublisher(publisher);
  return {
    users,
    hasher,
    publisher,
    events,
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
