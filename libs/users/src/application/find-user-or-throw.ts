import type { User } from '../domain/user.aggregate';
import { UserNotFoundError } from '../domain/user.errors';
import { isUserId } from '../domain/user-id';
import type { UserRepository } from '../domain/user.repository';

/** Loads a user or throws USER_NOT_FOUND; a malformed id is answered here, without asking the store. */
export async function findUserOrThrow(users: UserRepository, userId: unknown): Promise<User> {
  const user = isUserId(userId) ? await users.findById(userId) : null;
  if (!user) throw new UserNotFoundError();
  return user;
}
