import type { IntegrationEventEnvelope } from '../common/integration-event';

/** users.user.registered (v1). */
export interface UserRegisteredEvent extends IntegrationEventEnvelope {
  userId: string;
  email: string;
}

/** users.user.email-changed (v1). */
export interface UserEmailChangedEvent extends IntegrationEventEnvelope {
  userId: string;
  email: string;
}

/** users.user.deactivated (v1): from now on the user's tokens are refused. */
export interface UserDeactivatedEvent extends IntegrationEventEnvelope {
  userId: string;
}
