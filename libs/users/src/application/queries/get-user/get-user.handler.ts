import { Inject, Injectable } from '@nestjs/common';
import type { UserView } from '@tessera/contracts';
import { UserNotFoundError } from '../../../domain/user.errors';
import { isUserId } from '../../../domain/user-id';
import { USER_REPOSITORY } from '../../../domain/user.repository';
import type { UserRepository } from '../../../domain/user.repository';
import { UserViewMapper } from '../../user-view.mapper';
import { GetUserQuery } from './get-user.query';

/** users.get-user: the user, active or not, or USER_NOT_FOUND (also for an id that is no UUID). */
@Injectable()
export class GetUserHandler {
  constructor(@Inject(USER_REPOSITORY) private readonly users: UserRepository) {}

  async execute(query: GetUserQuery): Promise<UserView> {
    const user = isUserId(query.userId) ? await this.users.findById(query.userId) : null;
    if (!user) throw new UserNotFoundError();
    return UserViewMapper.toView(user);
  }
}
