import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { UserRole, UserStatus } from '../../domain/user.aggregate';

/** The unique index that makes emails unique; a violation of it means EMAIL_TAKEN. */
export const USERS_EMAIL_UNIQUE_INDEX = 'users_email_key';

/** A row of "users"."users". The schema is created by migrations only, never synchronized. */
@Entity({ schema: 'users', name: 'users' })
@Index(USERS_EMAIL_UNIQUE_INDEX, ['email'], { unique: true })
@Index('users_created_at_id_idx', ['createdAt', 'id'])
export class UserOrmEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** Always stored trimmed and lower-cased, so the unique index compares case-insensitively. */
  @Column({ type: 'text' })
  email: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ type: 'text' })
  role: UserRole;

  @Column({ type: 'text' })
  status: UserStatus;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  // A plain column, not @VersionColumn: the repository increments it in its
  // own conditional UPDATE, which is what actually guards concurrent writes.
  @Column({ type: 'integer' })
  version: number;
}
