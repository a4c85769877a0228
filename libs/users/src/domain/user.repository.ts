import { type OutgoingIntegrationEvent, VersionConflictError } from '@tessera/shared-kernel';
import type { Email } from './email.value-object';
import type { User } from './user.aggregate';

/** Injection token of the UserRepository port. */
export const USER_REPOSITORY = Symbol('USER_REPOSITORY');

/** One page of users, in registration order, with the number of users in all. */
export interface UserSlice {
  users: User[];
  total: number;
}

/** The other writer that saved the same user between this one's read and write. */
export class UserVersionConflictError extends VersionConflictError {
  constructor(readonly userId: string) {
    super(`User ${userId} was changed by someone else since it was read`);
  }
}

/**
 * Where users are kept. Emails are unique: `insert` and `update` throw
 * EmailTakenError when another user has the email, whatever the race. The
 * events given with a change are written to the users outbox in its
 * transaction, and published once it commits.
 */
export interface UserRepository {
  /** Null for an unknown id and for anything that is not a UUID. */
  findById(id: string): Promise<User | null>;
  findByEmail(email: Email): Promise<User | null>;
  /** Users ordered by registration time, then id, so pages never overlap or skip. */
  list(offset: number, limit: number): Promise<UserSlice>;
  insert(user: User, events?: readonly OutgoingIntegrationEvent[]): Promise<void>;
  /**
   * Saves the user's changes if nobody saved it since it was read, and throws
   * UserVersionConflictError otherwise. The aggregate is spent afterwards:
   * read the user again before changing it again.
   */
  update(user: User, events?: readonly OutgoingIntegrationEvent[]): Promise<void>;
}
