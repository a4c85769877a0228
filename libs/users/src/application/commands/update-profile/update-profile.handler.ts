import { retryOnVersionConflict } from '@tessera/shared-kernel';
import { Inject, Injectable } from '@nestjs/common';
import type { UserView } from '@tessera/contracts';
import { Email } from '../../../domain/email.value-object';
import type { User } from '../../../domain/user.aggregate';
import { EmailTakenError } from '../../../domain/user.errors';
import { UserName } from '../../../domain/user-name.value-object';
import { USER_REPOSITORY } from '../../../domain/user.repository';
import type { UserRepository } from '../../../domain/user.repository';
import { findUserOrThrow } from '../../find-user-or-throw';
import { toIntegrationEvents } from '../../user-integration-events';
import { UserViewMapper } from '../../user-view.mapper';
import { validateAll } from '../../validate-all';
import { UpdateProfileCommand } from './update-profile.command';

interface Changes {
  name?: UserName;
  email?: Email;
}

/** users.update-profile: the user with the new name and/or email; USER_NOT_FOUND or EMAIL_TAKEN. */
@Injectable()
export class UpdateProfileHandler {
  constructor(@Inject(USER_REPOSITORY) private readonly users: UserRepository) {}

  async execute(command: UpdateProfileCommand): Promise<UserView> {
    const { name: rawName, email: rawEmail } = command.changes;
    const [name, email] = validateAll(
      () => (rawName === undefined ? undefined : UserName.of(rawName)),
      () => (rawEmail === undefined ? undefined : Email.of(rawEmail)),
    );
    const user = await retryOnVersionConflict(() => this.apply(command.userId, { name, email }));
    return UserViewMapper.toView(user);
  }

  private async apply(userId: string, changes: Changes): Promise<User> {
    const user = await findUserOrThrow(this.users, userId);
    if (changes.name) user.changeName(changes.name);
    if (changes.email && !changes.email.equals(user.email)) {
      if (await this.users.findByEmail(changes.email)) throw new EmailTakenError();
      user.changeEmail(changes.email);
    }
    const events = user.pullEvents();
    // Nothing recorded means nothing changed: no write, no new version.
    if (events.length > 0) await this.users.update(user, toIntegrationEvents(events));
    return user;
  }
}
