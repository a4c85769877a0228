import { Inject, Injectable } from '@nestjs/common';
import type { Page, UserView } from '@tessera/contracts';
import { checkedPageRequest } from '@tessera/shared-kernel';
import { USER_REPOSITORY } from '../../../domain/user.repository';
import type { UserRepository } from '../../../domain/user.repository';
import { UserViewMapper } from '../../user-view.mapper';
import { ListUsersQuery } from './list-users.query';

/** users.list-users: a page of users ordered by registration time, then id. */
@Injectable()
export class ListUsersHandler {
  constructor(@Inject(USER_REPOSITORY) private readonly users: UserRepository) {}

  async execute(query: ListUsersQuery): Promise<Page<UserView>> {
    const { page, limit } = checkedPageRequest(query);
    const { users, total } = await this.users.list((page - 1) * limit, limit);
    return { items: users.map(UserViewMapper.toView), total, page, limit };
  }
}
