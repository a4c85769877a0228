import { Inject, Injectable, Logger } from '@nestjs/common';
import { USERS_EVENTS, UserDeactivatedEvent, UserEmailChangedEvent, UserRegisteredEvent } from '@tessera/contracts';
import { IntegrationEventPublisher } from '@tessera/messaging';
import type { UserDomainEvent } from '../domain/user.aggregate';

interface IntegrationMessage {
  pattern: string;
  payload: object;
}

/**
 * Turns a user's domain events into the integration events of the contract and
 * publishes them. Domain events are this context's own; only those another
 * context has a use for become integration events.
 */
@Injectable()
export class UserEventsPublisher {
  private readonly logger = new Logger(UserEventsPublisher.name);

  constructor(@Inject(IntegrationEventPublisher) private readonly publisher: Pick<IntegrationEventPublisher, 'publish'>) {}

  /**
   * Call only once the change is committed. A failure is logged, not thrown:
   * the change stands, and reporting it as failed would make the caller retry
   * a change that already happened. The outbox will close this gap.
   */
  async publish(events: readonly UserDomainEvent[]): Promise<void> {
    for (const event of events) {
      const message = toIntegrationMessage(event);
      if (!message) continue;
      try {
        await this.publisher.publish(message.pattern, message.payload);
      } catch (error) {
        this.logger.error(`Could not publish ${message.pattern} for user ${event.aggregateId}: ${(error as Error)?.message ?? error}`);
      }
    }
  }
}

function toIntegrationMessage(event: UserDomainEvent): IntegrationMessage | undefined {
  switch (event.type) {
    case 'UserRegistered':
      return {
        pattern: USERS_EVENTS.USER_REGISTERED,
        payload: { userId: event.aggregateId, email: event.email, occurredAt: event.occurredAt.toISOString() } satisfies UserRegisteredEvent,
      };
    case 'UserEmailChanged':
      return {
        pattern: USERS_EVENTS.USER_EMAIL_CHANGED,
        payload: { userId: event.aggregateId, email: event.email, occurredAt: event.occurredAt.toISOString() } satisfies UserEmailChangedEvent,
      };
    case 'UserDeactivated':
      return {
        pattern: USERS_EVENTS.USER_DEACTIVATED,
        payload: { userId: event.aggregateId, occurredAt: event.occurredAt.toISOString() } satisfies UserDeactivatedEvent,
      };
    case 'UserRenamed':
      return undefined;
    default:
      return unreachable(event);
  }
}

function unreachable(event: never): never {
  throw new Error(`Unhandled user event ${(event as UserDomainEvent).type}`);
}
