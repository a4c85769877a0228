import type { UserView } from '@tessera/contracts';
import type { User } from '../domain/user.aggregate';

/** Builds the UserView of the contract, field by field, so that no hash or version can slip out. */
export class UserViewMapper {
  static toView(user: User): UserView {
    return {
      id: user.id,
      email: user.email.value,
      name: user.name.value,
      role: user.role,
      status: user.status,
      createdAt: user.createdAt.toISOString(),
    };
  }
}
