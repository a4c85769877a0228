import { EventPattern, Payload } from '@nestjs/microservices';
import { USERS_EVENTS, GATEWAY } from '@tessera/contracts';
import type { UserDeactivatedEvent } from '@tessera/contracts';
import { MessagesController } from '@tessera/messaging';
import { UserStatusCache } from './user-status.cache';

/**
 * Keeps this gateway process's view of user statuses fresh: a deactivated
 * user's tokens are refused from the next request on. Every gateway process
 * hears the event (EVENT_SUBSCRIBERS). It needs no inbox: forgetting a
 * cached status twice is the same as once, and there is nothing to keep in a
 * transaction.
 */
@MessagesController(GATEWAY)
export class UserStatusMessagesController {
  constructor(private readonly statuses: UserStatusCache) {}

  @EventPattern(USERS_EVENTS.USER_DEACTIVATED)
  async onUserDeactivated(@Payload() event: UserDeactivatedEvent): Promise<void> {
    if (typeof event?.userId === 'string') await this.statuses.invalidate(event.userId);
  }
}
