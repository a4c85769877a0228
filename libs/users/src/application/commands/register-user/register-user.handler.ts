import { Inject, Injectable } from '@nestjs/common';
import type { UserView } from '@tessera/contracts';
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
import { UserViewMapper } from '../../user-view.mapper';
import { validateAll } from '../../validate-all';
import { RegisterUserCommand } from './register-user.command';

/** users.register-user: a new active customer, or EMAIL_TAKEN. */
@Injectable()
export class RegisterUserHandler {
  constructor(
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
  ) {}

  async execute(command: RegisterUserCommand): Promise<UserView> {
    const [email, name, password] = validateAll(
      () => Email.of(command.email),
      () => UserName.of(command.name),
      () => PlainPassword.of(command.password),
    );
    // Checked first so that a taken email costs no hashing; the unique index
    // still decides between two registrations racing for one email.
    if (await this.users.findByEmail(email)) throw new EmailTakenError();
    const passwordHash = await this.hasher.hash(password.reveal());
    const user = User.register({ email, name, passwordHash, role: 'customer' });
    await this.users.insert(user, toIntegrationEvents(user.pullEvents()));
    return UserViewMapper.toView(user);
  }
}
