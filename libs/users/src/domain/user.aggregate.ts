import { AggregateRoot } from '@tessera/shared-kernel';
import { Email } from './email.value-object';
import { UserDeactivatedDomainEvent } from './user-deactivated.domain-event';
import { UserEmailChangedDomainEvent } from './user-email-changed.domain-event';
import { newUserId } from './user-id';
import { UserName } from './user-name.value-object';
import { UserRegisteredDomainEvent } from './user-registered.domain-event';
import { UserRenamedDomainEvent } from './user-renamed.domain-event';

export const USER_ROLES = ['customer', 'admin'] as const;
/** What a user may do: customers shop, admins also manage the shop. */
export type UserRole = (typeof USER_ROLES)[number];

export const USER_STATUSES = ['active', 'inactive'] as const;
/** Only an active user can sign in. */
export type UserStatus = (typeof USER_STATUSES)[number];

/** Every event a User records. */
export type UserDomainEvent = UserRegisteredDomainEvent | UserEmailChangedDomainEvent | UserRenamedDomainEvent | UserDeactivatedDomainEvent;

/** A User as persistence stores it: primitives only, and the version it was read at. */
export interface UserSnapshot {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  role: UserRole;
  status: UserStatus;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

interface UserState {
  readonly id: string;
  email: Email;
  name: UserName;
  readonly passwordHash: string;
  readonly role: UserRole;
  status: UserStatus;
  readonly createdAt: Date;
  updatedAt: Date;
  readonly version: number;
}

/** Data needed to register an account; the password is already hashed. */
export interface RegisterUserProps {
  email: Email;
  name: UserName;
  passwordHash: string;
  role: UserRole;
  now?: Date;
}

/**
 * An account of the shop. Its email and name are always valid (they can only
 * be value objects), role and status only take their known values, and every
 * change is recorded as an event. A change that changes nothing records none.
 */
export class User extends AggregateRoot<UserDomainEvent> {
  private constructor(private readonly state: UserState) {
    super();
  }

  /** A new, active account, with a fresh id. */
  static register(props: RegisterUserProps): User {
    assertOneOf(props.role, USER_ROLES, 'role');
    if (!props.passwordHash) throw new Error('A user needs a password hash');
    const now = props.now ?? new Date();
    const user = new User({
      id: newUserId(),
      email: props.email,
      name: props.name,
      passwordHash: props.passwordHash,
      role: props.role,
      status: 'active',
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
    user.record(new UserRegisteredDomainEvent(user.id, user.email.value, now));
    return user;
  }

  /** Rebuilds a stored user, checking it against today's rules; records no event. */
  static reconstitute(snapshot: UserSnapshot): User {
    assertOneOf(snapshot.role, USER_ROLES, 'role');
    assertOneOf(snapshot.status, USER_STATUSES, 'status');
    return new User({
      id: snapshot.id,
      email: Email.of(snapshot.email),
      name: UserName.of(snapshot.name),
      passwordHash: snapshot.passwordHash,
      role: snapshot.role,
      status: snapshot.status,
      createdAt: snapshot.createdAt,
      updatedAt: snapshot.updatedAt,
      version: snapshot.version,
    });
  }

  get id(): string {
    return this.state.id;
  }

  get email(): Email {
    return this.state.email;
  }

  get name(): UserName {
    return this.state.name;
  }

  get passwordHash(): string {
    return this.state.passwordHash;
  }

  get role(): UserRole {
    return this.state.role;
  }

  get status(): UserStatus {
    return this.state.status;
  }

  get isActive(): boolean {
    return this.state.status === 'active';
  }

  get createdAt(): Date {
    return this.state.createdAt;
  }

  get updatedAt(): Date {
    return this.state.updatedAt;
  }

  /** The version this user was read at; a save succeeds only if the stored one still matches. */
  get version(): number {
    return this.state.version;
  }

  changeName(name: UserName, now = new Date()): void {
    if (name.equals(this.state.name)) return;
    this.state.name = name;
    this.state.updatedAt = now;
    this.record(new UserRenamedDomainEvent(this.id, name.value, now));
  }

  /** Whether the new email is free is for the caller to know: uniqueness spans all users. */
  changeEmail(email: Email, now = new Date()): void {
    if (email.equals(this.state.email)) return;
    const previous = this.state.email;
    this.state.email = email;
    this.state.updatedAt = now;
    this.record(new UserEmailChangedDomainEvent(this.id, email.value, previous.value, now));
  }

  /** Idempotent: deactivating an inactive user changes nothing and records nothing. */
  deactivate(now = new Date()): void {
    if (this.state.status === 'inactive') return;
    this.state.status = 'inactive';
    this.state.updatedAt = now;
    this.record(new UserDeactivatedDomainEvent(this.id, now));
  }

  toSnapshot(): UserSnapshot {
    const { email, name, ...rest } = this.state;
    return { ...rest, email: email.value, name: name.value };
  }
}

function assertOneOf<T extends string>(value: string, allowed: readonly T[], what: string): asserts value is T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`Unknown user ${what} "${value}"`);
  }
}
