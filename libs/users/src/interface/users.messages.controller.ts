import { MessagePattern, Payload } from '@nestjs/microservices';
import { USERS_PATTERNS } from '@tessera/contracts';
import type {
  DeactivateUserRequest,
  GetUserRequest,
  HealthReply,
  ListUsersRequest,
  Page,
  RegisterUserRequest,
  UpdateProfileRequest,
  UserView,
  VerifyCredentialsRequest,
} from '@tessera/contracts';
import { MessagesController } from '@tessera/messaging';
import { DeactivateUserCommand } from '../application/commands/deactivate-user/deactivate-user.command';
import { DeactivateUserHandler } from '../application/commands/deactivate-user/deactivate-user.handler';
import { RegisterUserCommand } from '../application/commands/register-user/register-user.command';
import { RegisterUserHandler } from '../application/commands/register-user/register-user.handler';
import { UpdateProfileCommand } from '../application/commands/update-profile/update-profile.command';
import { UpdateProfileHandler } from '../application/commands/update-profile/update-profile.handler';
import { CheckHealthQuery } from '../application/queries/check-health/check-health.query';
import { CheckHealthHandler } from '../application/queries/check-health/check-health.handler';
import { GetUserQuery } from '../application/queries/get-user/get-user.query';
import { GetUserHandler } from '../application/queries/get-user/get-user.handler';
import { ListUsersQuery } from '../application/queries/list-users/list-users.query';
import { ListUsersHandler } from '../application/queries/list-users/list-users.handler';
import { VerifyCredentialsQuery } from '../application/queries/verify-credentials/verify-credentials.query';
import { VerifyCredentialsHandler } from '../application/queries/verify-credentials/verify-credentials.handler';

/** The users context's face: one handler per request of USERS_PATTERNS, each handing over to its use case. */
@MessagesController()
export class UsersMessagesController {
  constructor(
    private readonly registerUserHandler: RegisterUserHandler,
    private readonly verifyCredentialsHandler: VerifyCredentialsHandler,
    private readonly getUserHandler: GetUserHandler,
    private readonly listUsersHandler: ListUsersHandler,
    private readonly updateProfileHandler: UpdateProfileHandler,
    private readonly deactivateUserHandler: DeactivateUserHandler,
    private readonly checkHealthHandler: CheckHealthHandler,
  ) {}

  @MessagePattern(USERS_PATTERNS.REGISTER_USER)
  registerUser(@Payload() request: RegisterUserRequest): Promise<UserView> {
    return this.registerUserHandler.execute(new RegisterUserCommand(request.email, request.password, request.name));
  }

  @MessagePattern(USERS_PATTERNS.VERIFY_CREDENTIALS)
  verifyCredentials(@Payload() request: VerifyCredentialsRequest): Promise<UserView> {
    return this.verifyCredentialsHandler.execute(new VerifyCredentialsQuery(request.email, request.password));
  }

  @MessagePattern(USERS_PATTERNS.GET_USER)
  getUser(@Payload() request: GetUserRequest): Promise<UserView> {
    return this.getUserHandler.execute(new GetUserQuery(request.userId));
  }

  @MessagePattern(USERS_PATTERNS.LIST_USERS)
  listUsers(@Payload() request: ListUsersRequest): Promise<Page<UserView>> {
    return this.listUsersHandler.execute(new ListUsersQuery(request.page, request.limit));
  }

  @MessagePattern(USERS_PATTERNS.UPDATE_PROFILE)
  updateProfile(@Payload() request: UpdateProfileRequest): Promise<UserView> {
    return this.updateProfileHandler.execute(new UpdateProfileCommand(request.userId, { name: request.name, email: request.email }));
  }

  @MessagePattern(USERS_PATTERNS.DEACTIVATE_USER)
  deactivateUser(@Payload() request: DeactivateUserRequest): Promise<UserView> {
    return this.deactivateUserHandler.execute(new DeactivateUserCommand(request.userId));
  }

  @MessagePattern(USERS_PATTERNS.CHECK_HEALTH)
  checkHealth(): Promise<HealthReply> {
    return this.checkHealthHandler.execute(new CheckHealthQuery());
  }
}
