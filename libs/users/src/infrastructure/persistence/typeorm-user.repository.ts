import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUniqueViolation } from '@tessera/platform';
import { Repository } from 'typeorm';
import type { Email } from '../../domain/email.value-object';
import type { User } from '../../domain/user.aggregate';
import { EmailTakenError } from '../../domain/user.errors';
import { isUserId } from '../../domain/user-id';
import { UserRepository, UserSlice, UserVersionConflictError } from '../../domain/user.repository';
import { UserMapper } from './user.mapper';
import { USERS_EMAIL_UNIQUE_INDEX, UserOrmEntity } from './user.orm-entity';

/**
 * Users in Postgres. Every method is one statement (two for a page), so none
 * needs a transaction of its own and none holds the embedded database's single
 * connection longer than a query.
 */
@Injectable()
export class TypeOrmUserRepository implements UserRepository {
  constructor(@InjectRepository(UserOrmEntity, 'users') private readonly rows: Repository<UserOrmEntity>) {}

  async findById(id: string): Promise<User | null> {
    // A malformed id would make Postgres fail the uuid cast; it names no user.
    if (!isUserId(id)) return null;
    const row = await this.rows.findOneBy({ id });
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

  async insert(user: User): Promise<void> {
    try {
      await this.rows.insert(UserMapper.toOrmEntity(user));
    } catch (error) {
      throw translateWriteError(error);
    }
  }

  async update(user: User): Promise<void> {
    const row = UserMapper.toOrmEntity(user);
    let affected: number | null | undefined;
    try {
      ({ affected } = await this.rows
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
        .execute());
    } catch (error) {
      throw translateWriteError(error);
    }
    // Users are never deleted, so no row means the version moved on.
    if (affected !== 1) throw new UserVersionConflictError(user.id);
  }
}

/** A clash on the email index is the business error EMAIL_TAKEN; anything else stays unexpected. */
function translateWriteError(error: unknown): unknown {
  return isUniqueViolation(error, USERS_EMAIL_UNIQUE_INDEX) ? new EmailTakenError() : error;
}
