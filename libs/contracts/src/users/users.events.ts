/** users.user.registered (v1). */
export interface UserRegisteredEvent {
  userId: string;
  email: string;
  occurredAt: string;
}

/** users.user.email-changed (v1). */
export interface UserEmailChangedEvent {
  userId: string;
  email: string;
  occurredAt: string;
}

/** users.user.deactivated (v1): from now on the user's tokens are refused. */
export interface UserDeactivatedEvent {
  userId: string;
  occurredAt: string;
}
