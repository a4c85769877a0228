import { Inject, Injectable } from '@nestjs/common';
import type { UserView } from '@tessera/contracts';
import { ValidationError } from '@tessera/shared-kernel';
import { Email } from '../../../domain/email.value-object';
import { PASSWORD_HASHER } from '../../../domain/password.hasher';
import type { PasswordHasher } from '../../../domain/password.hasher';
import type { User } from '../../../domain/user.aggregate';
import { InvalidCredentialsError } from '../../../domain/user.errors';
import { USER_REPOSITORY } from '../../../domain/user.repository';
import type { UserRepository } from '../../../domain/user.repository';
import { UserViewMapper } from '../../user-view.mapper';
import { VerifyCredentialsQuery } from './verify-credentials.query';

/**
 * users.verify-credentials: the active user with this email and password, or
 * INVALID_CREDENTIALS, the same error in the same time whatever was wrong, so
 * that a caller cannot learn which emails have accounts.
 */
@Injectable()
export class VerifyCredentialsHandler {
  constructor(
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
  ) {}

  async execute(query: VerifyCredentialsQuery): Promise<UserView> {
    const password = typeof query.password === 'string' ? query.password : '';
    const user = await this.findUser(query.email);
    if (!user) {
      // Hashing costs what verifying costs, so an unknown email answers no
      // sooner than a known one with a wrong password.
      await this.hasher.hash(password);
      throw new InvalidCredentialsError();
    }
    // The password is checked even for an inactive user, for the same reason.
    const matches = await this.hasher.verify(password, user.passwordHash);
    if (!matches || !user.isActive) throw new InvalidCredentialsError();
    return UserViewMapper.toView(user);
  }

  private async findUser(rawEmail: unknown): Promise<User | null> {
    let email: Email;
    try {
      email = Email.of(rawEmail);
    } catch (error) {
      if (error instanceof ValidationError) return null;
      throw error;
    }
    return this.users.findByEmail(email);
  }
}
