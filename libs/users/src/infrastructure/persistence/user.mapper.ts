import { fromStoredRow } from '@tessera/platform';
import { User } from '../../domain/user.aggregate';
import { UserOrmEntity } from './user.orm-entity';

/** Converts between the User aggregate and its row. */
export class UserMapper {
  static toDomain(row: UserOrmEntity): User {
    return fromStoredRow(`users.users ${row.id}`, () =>
      User.reconstitute({
        id: row.id,
        email: row.email,
        name: row.name,
        passwordHash: row.passwordHash,
        role: row.role,
        status: row.status,
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
        version: row.version,
      }),
    );
  }

  static toOrmEntity(user: User): UserOrmEntity {
    const snapshot = user.toSnapshot();
    const row = new UserOrmEntity();
    row.id = snapshot.id;
    row.email = snapshot.email;
    row.name = snapshot.name;
    row.passwordHash = snapshot.passwordHash;
    row.role = snapshot.role;
    row.status = snapshot.status;
    row.createdAt = snapshot.createdAt;
    row.updatedAt = snapshot.updatedAt;
    row.version = snapshot.version;
    return row;
  }
}
