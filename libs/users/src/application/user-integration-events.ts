import { IntegrationEventPayload, USERS_EVENTS, UserDeactivatedEvent, UserEmailChangedEvent, UserRegisteredEvent } from '@tessera/contracts';
import type { UserDomainEvent } from '../domain/user.aggregate';
import type { OutgoingIntegrationEvent } from '@tessera/shared-kernel';

/**
 * A user's domain events as the integration events of the contract, to be
 * stored with the change that recorded them. Domain events are this
 * context's own; only those another context has a use for become integration events.
 */
export function toIntegrationEvents(events: readonly UserDomainEvent[]): OutgoingIntegrationEvent[] {
  return events.flatMap((event) => toIntegrationEvent(event) ?? []);
}

function toIntegrationEvent(event: UserDomainEvent): OutgoingIntegrationEvent | undefined {
  switch (event.type) {
    case 'UserRegistered':
      return {
        pattern: USERS_EVENTS.USER_REGISTERED,
        payload: {
          userId: event.aggregateId,
          email: event.email,
          occurredAt: event.occurredAt.toISOString(),
        } satisfies IntegrationEventPayload<UserRegisteredEvent>,
      };
    case 'UserEmailChanged':
      return {
        pattern: USERS_EVENTS.USER_EMAIL_CHANGED,
        payload: {
          userId: event.aggregateId,
          email: event.email,
          occurredAt: event.occurredAt.toISOString(),
        } satisfies IntegrationEventPayload<UserEmailChangedEvent>,
      };
    case 'UserDeactivated':
      return {
        pattern: USERS_EVENTS.USER_DEACTIVATED,
        payload: { userId: event.aggregateId, occurredAt: event.occurredAt.toISOString() } satisfies IntegrationEventPayload<UserDeactivatedEvent>,
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
