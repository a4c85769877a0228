import { Inject, Injectable } from '@nestjs/common';
import { Email } from '../../../domain/email.value-object';
import { PASSWORD_HASHER } from '../../../domain/password.hasher';
import type { PasswordHasher } from '../../../domain/password.hasher';
import { PlainPassword } from '../../../domain/plain-password.value-object';
import { User } from '../../../domain/user.aggregate';
import { EmailTakenError } from '../../../domain/user.errors';
import { UserName } from '../../../domain/user-name.value-object';
import { USER_REPOSITORY } from '../../../domain/user.repository';
import type { UserRepository } from '../../../domain/user.repository';
import { toIntegrationEvents } from '../../user-integration-events';
import { validateAll } from '../../validate-all';
import { EnsureAdminCommand } from './ensure-admin.command';

/**
 * What ensuring the admin found: `created`, an `existing` active admin, or an
 * account with that email that is not an active admin (`not-an-active-admin`),
 * which is left as it is: changing someone's role or status is not a start-up's call.
 */
export type EnsureAdminOutcome = 'created' | 'existing' | 'not-an-active-admin';

/**
 * Creates the configured admin account at start, if no user has its email.
 * An existing account is never changed, so ADMIN_PASSWORD only sets the
 * password of an admin it creates.
 */
@Injectable()
export class EnsureAdminHandler {
  constructor(
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
  ) {}

  async execute(command: EnsureAdminCommand): Promise<EnsureAdminOutcome> {
    const [email, password, name] = validateAll(
      () => Email.of(command.email, 'ADMIN_EMAIL'),
      () => PlainPassword.of(command.password, 'ADMIN_PASSWORD'),
      () => UserName.of(command.name),
    );
    const existing = await this.users.findByEmail(email);
    if (existing) return outcomeFor(existing);
    const admin = User.register({ email, name, passwordHash: await this.hasher.hash(password.reveal()), role: 'admin' });
    try {
      await this.users.insert(admin, toIntegrationEvents(admin.pullEvents()));
    } catch (error) {
      // Another replica starting at the same time created it first.
      if (!(error instanceof EmailTakenError)) throw error;
      const winner = await this.users.findByEmail(email);
      return winner ? outcomeFor(winner) : 'existing';
    }
    return 'created';
  }
}

function outcomeFor(user: User): EnsureAdminOutcome {
  return user.role === 'admin' && user.isActive ? 'existing' : 'not-an-active-admin';
}
