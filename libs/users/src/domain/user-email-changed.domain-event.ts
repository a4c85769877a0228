import type { DomainEvent } from '@tessera/shared-kernel';

/** A user's email, and so their sign-in name, changed. */
export class UserEmailChangedDomainEvent implements DomainEvent<'UserEmailChanged'> {
  readonly type = 'UserEmailChanged' as const;

  constructor(
    readonly aggregateId: string,
    readonly email: string,
    readonly previousEmail: string,
    readonly occurredAt: Date,
  ) {}
}
