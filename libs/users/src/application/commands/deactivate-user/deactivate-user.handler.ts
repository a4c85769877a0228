import { retryOnVersionConflict } from '@tessera/shared-kernel';
import { Inject, Injectable } from '@nestjs/common';
import type { UserView } from '@tessera/contracts';
import type { User, UserDomainEvent } from '../../../domain/user.aggregate';
import { USER_REPOSITORY } from '../../../domain/user.repository';
import type { UserRepository } from '../../../domain/user.repository';
import { findUserOrThrow } from '../../find-user-or-throw';
import { UserEventsPublisher } from '../../user-events.publisher';
import { UserViewMapper } from '../../user-view.mapper';
import { DeactivateUserCommand } from './deactivate-user.command';

/**
 * users.deactivate-user: the user, now inactive; USER_NOT_FOUND. Idempotent:
 * deactivating an inactive user answers the same and publishes nothing again.
 */
@Injectable()
export class DeactivateUserHandler {
  constructor(
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    private readonly events: UserEventsPublisher,
  ) {}

  async execute(command: DeactivateUserCommand): Promise<UserView> {
    const { user, events } = await retryOnVersionConflict(() => this.apply(command.userId));
    await this.events.publish(events);
    return UserViewMapper.toView(user);
  }

  private async apply(userId: string): Promise<{ user: User; events: UserDomainEvent[] }> {
    const user = await findUserOrThrow(this.users, userId);
    user.deactivate();
    const events = user.pullEvents();
    if (events.length > 0) await this.users.update(user);
    return { user, events };
  }
}
