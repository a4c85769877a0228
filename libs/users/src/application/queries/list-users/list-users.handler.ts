import { Inject, Injectable } from '@nestjs/common';
import type { Page, UserView } from '@tessera/contracts';
import { ValidationError } from '@tessera/shared-kernel';
import { USER_REPOSITORY } from '../../../domain/user.repository';
import type { UserRepository } from '../../../domain/user.repository';
import { UserViewMapper } from '../../user-view.mapper';
import { validateAll } from '../../validate-all';
import { ListUsersQuery } from './list-users.query';

const DEFAULT_PAGE = 1;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
// Keeps (page - 1) * limit a safe integer, far beyond any real table.
const MAX_PAGE = 1_000_000_000;

/** users.list-users: a page of users ordered by registration time, then id. */
@Injectable()
export class ListUsersHandler {
  constructor(@Inject(USER_REPOSITORY) private readonly users: UserRepository) {}

  async execute(query: ListUsersQuery): Promise<Page<UserView>> {
    const [page, limit] = validateAll(
      () => integerIn(query.page ?? DEFAULT_PAGE, 1, MAX_PAGE, 'page'),
      () => integerIn(query.limit ?? DEFAULT_LIMIT, 1, MAX_LIMIT, 'limit'),
    );
    const { users, total } = await this.users.list((page - 1) * limit, limit);
    return { items: users.map(UserViewMapper.toView), total, page, limit };
  }
}

function integerIn(value: unknown, min: number, max: number, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw ValidationError.of(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}
