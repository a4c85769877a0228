import { Controller, UseInterceptors } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { USERS_EVENTS } from '@tessera/contracts';
import type { UserDeactivatedEvent } from '@tessera/contracts';
import { CorrelationInterceptor } from '@tessera/messaging';
import { UserStatusCache } from './user-status.cache';

/** Keeps the gateway's view of user statuses fresh: a deactivated user's tokens are refused from the next request on. */
@Controller()
@UseInterceptors(CorrelationInterceptor)
export class UserStatusMessagesController {
  constructor(private readonly statuses: UserStatusCache) {}

  @EventPattern(USERS_EVENTS.USER_DEACTIVATED)
  onUserDeactivated(@Payload() event: UserDeactivatedEvent): void {
    if (typeof event?.userId === 'string') this.statuses.invalidate(event.userId);
  }
}
