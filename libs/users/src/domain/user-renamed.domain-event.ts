import type { DomainEvent } from '@tessera/shared-kernel';

/** A user's display name changed. Internal: no other context needs it yet, so it is not published. */
export class UserRenamedDomainEvent implements DomainEvent<'UserRenamed'> {
  readonly type = 'UserRenamed' as const;

  constructor(
    readonly aggregateId: string,
    readonly name: string,
    readonly occurredAt: Date,
  ) {}
}
