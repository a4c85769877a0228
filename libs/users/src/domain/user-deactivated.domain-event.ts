import type { DomainEvent } from '@tessera/shared-kernel';

/** A user was deactivated: from now on they cannot sign in. */
export class UserDeactivatedDomainEvent implements DomainEvent<'UserDeactivated'> {
  readonly type = 'UserDeactivated' as const;

  constructor(
    readonly aggregateId: string,
    readonly occurredAt: Date,
  ) {}
}
