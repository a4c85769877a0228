import { Body, Controller, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { DeactivateUserRequest, ERROR_CODES, GetUserRequest, ListUsersRequest, Page, UpdateProfileRequest, USERS_PATTERNS, UserView } from '@tessera/contracts';
import { ContextClient, InjectContextClient } from '@tessera/messaging';
import { Authenticated, CurrentUser, Roles } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { UserStatusCache } from '../auth/user-status.cache';
import { mapPage } from '../common/page.mapper';
import { PaginationQueryDto } from '../common/pagination.dto';
import { isUuid } from '../common/uuid';
import { ApiJsonBodyProblems, ApiNoBodyProblems, ApiProblems } from '../problems/api-problems.decorator';
import { GATEWAY_ERROR_CODES } from '../problems/problem-codes';
import { ProblemException } from '../problems/problem.exception';
import { UpdateProfileDto } from './update-profile.dto';
import { UserDto, UserPageDto } from './user.dto';

const USER_NOT_FOUND = ['USER_NOT_FOUND'];

@ApiTags('users')
@Authenticated()
@ApiProblems({ 429: ['RATE_LIMITED'], 503: ['CONTEXT_UNAVAILABLE'] })
@Controller('users')
export class UsersHttpController {
  constructor(
    @InjectContextClient('users') private readonly users: ContextClient,
    private readonly statuses: UserStatusCache,
  ) {}

  @Get('me')
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: UserDto, description: 'The signed-in user' })
  async me(@CurrentUser() user: AuthenticatedUser): Promise<UserDto> {
    return this.getUser(user.id);
  }

  @Patch('me')
  @ApiOperation({ summary: "Changes the signed-in user's name or email; only the fields present change" })
  @ApiOkResponse({ type: UserDto, description: 'The user, as changed' })
  @ApiJsonBodyProblems()
  @ApiProblems({ 400: ['VALIDATION_FAILED'], 409: ['EMAIL_TAKEN'] })
  async updateMe(@CurrentUser() user: AuthenticatedUser, @Body() body: UpdateProfileDto): Promise<UserDto> {
    const request: UpdateProfileRequest = { userId: user.id };
    if (body.name !== undefined) request.name = body.name;
    if (body.email !== undefined) request.email = body.email;
    return UserDto.of(await this.users.send<UserView, UpdateProfileRequest>(USERS_PATTERNS.UPDATE_PROFILE, request));
  }

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Lists users, a page at a time (admin)' })
  @ApiOkResponse({ type: UserPageDto, description: 'A page of users' })
  @ApiProblems({ 400: ['VALIDATION_FAILED: page or limit out of range'] })
  async list(@Query() query: PaginationQueryDto): Promise<UserPageDto> {
    const page = await this.users.send<Page<UserView>, ListUsersRequest>(USERS_PATTERNS.LIST_USERS, { page: query.page, limit: query.limit });
    return mapPage(page, UserDto.of);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A user, to that user or an admin', description: 'Anyone else gets 404, as for a user that does not exist.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: UserDto, description: 'The user' })
  @ApiProblems({ 404: USER_NOT_FOUND })
  async get(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<UserDto> {
    const visible = isUuid(id) && (user.role === 'admin' || id.toLowerCase() === user.id.toLowerCase());
    if (!visible) throw userNotFound();
    return this.getUser(id.toLowerCase());
  }

  @Post(':id/deactivate')
  @HttpCode(HttpStatus.OK)
  @Roles('admin')
  @ApiOperation({ summary: "Deactivates a user (admin): from then on the user's tokens get 401 and login fails" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: UserDto, description: 'The user, now inactive' })
  @ApiProblems({ 403: ['FORBIDDEN: an admin named their own account'], 404: USER_NOT_FOUND })
  @ApiNoBodyProblems()
  async deactivate(@CurrentUser() admin: AuthenticatedUser, @Param('id') id: string): Promise<UserDto> {
    if (!isUuid(id)) throw userNotFound();
    // An admin alone would lock the shop's administration out for good: a start ensures the admin account exists, but
    // changes no account's status.
    if (id.toLowerCase() === admin.id.toLowerCase()) {
      throw new ProblemException(GATEWAY_ERROR_CODES.FORBIDDEN, 'An admin cannot deactivate their own account; another admin can.');
    }
    try {
      return UserDto.of(await this.users.send<UserView, DeactivateUserRequest>(USERS_PATTERNS.DEACTIVATE_USER, { userId: id.toLowerCase() }));
    } finally {
      // Also when the answer is lost (a timeout may follow a deactivation that happened): a needless eviction costs one read.
      await this.statuses.invalidate(id);
    }
  }

  private async getUser(userId: string): Promise<UserDto> {
    return UserDto.of(await this.users.send<UserView, GetUserRequest>(USERS_PATTERNS.GET_USER, { userId }));
  }
}

function userNotFound(): ProblemException {
  return new ProblemException(ERROR_CODES.USER_NOT_FOUND, 'No user has this id');
}
