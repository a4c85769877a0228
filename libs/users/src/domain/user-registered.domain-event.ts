import type { DomainEvent } from '@tessera/shared-kernel';

/** An account came into being, customer or admin. */
export class UserRegisteredDomainEvent implements DomainEvent<'UserRegistered'> {
  readonly type = 'UserRegistered' as const;

  constructor(
    readonly aggregateId: string,
    readonly email: string,
    readonly occurredAt: Date,
  ) {}
}
