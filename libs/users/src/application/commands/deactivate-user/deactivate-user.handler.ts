import { retryOnVersionConflict } from '@tessera/shared-kernel';
import { Inject, Injectable } from '@nestjs/common';
import type { UserView } from '@tessera/contracts';
import type { User } from '../../../domain/user.aggregate';
import { USER_REPOSITORY } from '../../../domain/user.repository';
import type { UserRepository } from '../../../domain/user.repository';
import { findUserOrThrow } from '../../find-user-or-throw';
import { toIntegrationEvents } from '../../user-integration-events';
import { UserViewMapper } from '../../user-view.mapper';
import { DeactivateUserCommand } from './deactivate-user.command';

/**
 * users.deactivate-user: the user, now inactive; USER_NOT_FOUND. Idempotent:
 * deactivating an inactive user answers the same and publishes nothing again.
 */
@Injectable()
export class DeactivateUserHandler {
  constructor(@Inject(USER_REPOSITORY) private readonly users: UserRepository) {}

  async execute(command: DeactivateUserCommand): Promise<UserView> {
    const user = await retryOnVersionConflict(() => this.apply(command.userId));
    return UserViewMapper.toView(user);
  }

  private async apply(userId: string): Promise<User> {
    const user = await findUserOrThrow(this.users, userId);
    user.deactivate();
    const events = user.pullEvents();
    if (events.length > 0) await this.users.update(user, toIntegrationEvents(events));
    return user;
  }
}
