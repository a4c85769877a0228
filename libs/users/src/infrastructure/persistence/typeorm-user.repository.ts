import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Outbox, preparedQuery } from '@tessera/messaging';
import { isUniqueViolation } from '@tessera/platform';
import { EntityManager, Repository } from 'typeorm';
import type { Email } from '../../domain/email.value-object';
import type { User } from '../../domain/user.aggregate';
import { EmailTakenError } from '../../domain/user.errors';
import { isUserId } from '../../domain/user-id';
import { UserRepository, UserSlice, UserVersionConflictError } from '../../domain/user.repository';
import { UserMapper } from './user.mapper';
import { USERS_EMAIL_UNIQUE_INDEX, UserOrmEntity } from './user.orm-entity';
import type { OutgoingIntegrationEvent } from '@tessera/shared-kernel';

/**
 * Users in Postgres. A change is one statement, in one transaction with the
 * integration events it carries into the users outbox; they are published
 * once it commits.
 */
@Injectable()
export class TypeOrmUserRepository implements UserRepository {
  constructor(
    @InjectRepository(UserOrmEntity, 'users') private readonly rows: Repository<UserOrmEntity>,
    private readonly outbox: Outbox,
  ) {}

  async findById(id: string): Promise<User | null> {
    // A malformed id would make Postgres fail the uuid cast; it names no user.
    if (!isUserId(id)) return null;
    // Plain and prepared: every order and every token's first use read a user by id, and TypeORM would build the
    // SELECT anew each time only to hydrate it.
    const [row] = await preparedQuery<UserOrmEntity>(
      this.rows.manager,
      `SELECT id, email, name, password_hash AS "passwordHash", role, status, created_at AS "createdAt", updated_at AS "updatedAt", version
         FROM users.users WHERE id = $1`,
      [id],
    );
    return row ? UserMapper.toDomain(row) : null;
  }

  async findByEmail(email: Email): Promise<User | null> {
    const row = await this.rows.findOneBy({ email: email.value });
    return row ? UserMapper.toDomain(row) : null;
  }

  async list(offset: number, limit: number): Promise<UserSlice> {
    const [rows, total] = await this.rows.findAndCount({
      order: { createdAt: 'ASC', id: 'ASC' },
      skip: offset,
      take: limit,
    });
    return { users: rows.map(UserMapper.toDomain), total };
  }

  async insert(user: User, events: readonly OutgoingIntegrationEvent[] = []): Promise<void> {
    await this.withEvents(events, (manager) => manager.insert(UserOrmEntity, UserMapper.toOrmEntity(user)));
  }

  async update(user: User, events: readonly OutgoingIntegrationEvent[] = []): Promise<void> {
    const row = UserMapper.toOrmEntity(user);
    await this.withEvents(events, async (manager) => {
      const { affected } = await manager
        .createQueryBuilder()
        .update(UserOrmEntity)
        .set({
          email: row.email,
          name: row.name,
          passwordHash: row.passwordHash,
          role: row.role,
          status: row.status,
          updatedAt: row.updatedAt,
          version: () => '"version" + 1',
        })
        .where('"id" = :id AND "version" = :version', { id: row.id, version: row.version })
        .execute();
      // Users are never deleted, so no row means the version moved on.
      if (affected !== 1) throw new UserVersionConflictError(user.id);
    });
  }

  /** Runs a write and adds its events to the outbox in one transaction, then has them published. */
  private async withEvents(events: readonly OutgoingIntegrationEvent[], write: (manager: EntityManager) => Promise<unknown>): Promise<void> {
    let committed: EntityManager | undefined;
    try {
      await this.rows.manager.transaction(async (manager) => {
        await write(manager);
        for (const event of events) await this.outbox.add(manager, event.pattern, event.payload);
        committed = manager;
      });
    } catch (error) {
      throw translateWriteError(error);
    }
    if (committed) this.outbox.flush(committed);
  }
}

/** A clash on the email index is the business error EMAIL_TAKEN; anything else stays unexpected. */
function translateWriteError(error: unknown): unknown {
  return isUniqueViolation(error, USERS_EMAIL_UNIQUE_INDEX) ? new EmailTakenError() : error;
}
