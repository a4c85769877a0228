import { Inject, Injectable } from '@nestjs/common';
import type { UserView } from '@tessera/contracts';
import { USER_REPOSITORY } from '../../../domain/user.repository';
import type { UserRepository } from '../../../domain/user.repository';
import { findUserOrThrow } from '../../find-user-or-throw';
import { UserViewMapper } from '../../user-view.mapper';
import { GetUserQuery } from './get-user.query';

/** users.get-user: the user, active or not, or USER_NOT_FOUND (also for an id that is no UUID). */
@Injectable()
export class GetUserHandler {
  constructor(@Inject(USER_REPOSITORY) private readonly users: UserRepository) {}

  async execute(query: GetUserQuery): Promise<UserView> {
    const user = await findUserOrThrow(this.users, query.userId);
    return UserViewMapper.toView(user);
  }
}
