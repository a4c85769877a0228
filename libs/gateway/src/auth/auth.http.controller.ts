import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ERROR_CODES, RegisterUserRequest, USERS_PATTERNS, UserView, VerifyCredentialsRequest } from '@tessera/contracts';
import { ContextClient, InjectContextClient, RemoteError } from '@tessera/messaging';
import { ApiJsonBodyProblems, ApiProblems } from '../problems/api-problems.decorator';
import { ProblemException } from '../problems/problem.exception';
import { LoginRateLimit } from '../throttling/throttling.options';
import { UserDto } from '../users/user.dto';
import { AccessTokenDto } from './access-token.dto';
import { AccessTokenService } from './access-token.service';
import { Public } from './auth.decorators';
import { LoginDto } from './login.dto';
import { RegisterDto } from './register.dto';

const INVALID_CREDENTIALS_DETAIL = 'The email or password is wrong.';

@ApiTags('auth')
@ApiProblems({ 429: ['RATE_LIMITED'], 503: ['CONTEXT_UNAVAILABLE'] })
@Public()
@Controller('auth')
export class AuthHttpController {
  constructor(
    @InjectContextClient('users') private readonly users: ContextClient,
    private readonly tokens: AccessTokenService,
  ) {}

  @Post('register')
  @ApiOperation({ summary: 'Creates a customer account' })
  @ApiCreatedResponse({ type: UserDto, description: 'The new account, a customer' })
  @ApiJsonBodyProblems()
  @ApiProblems({ 400: ['VALIDATION_FAILED'], 409: ['EMAIL_TAKEN: emails compare case-insensitively'] })
  async register(@Body() body: RegisterDto): Promise<UserDto> {
    const request: RegisterUserRequest = { email: body.email, password: body.password, name: body.name };
    return UserDto.of(await this.users.send<UserView, RegisterUserRequest>(USERS_PATTERNS.REGISTER_USER, request));
  }

  @Post('login')
  @HttpCode(HttpStatus.OK)
  @LoginRateLimit()
  @ApiOperation({
    summary: 'Exchanges an email and password for a bearer access token',
    description: 'Limited to LOGIN_RATE_LIMIT_PER_MINUTE (default 10) a minute per IP.',
  })
  @ApiOkResponse({ type: AccessTokenDto, description: 'A bearer access token and how long it lasts' })
  @ApiJsonBodyProblems()
  @ApiProblems({ 400: ['VALIDATION_FAILED'], 401: ['INVALID_CREDENTIALS: unknown email, wrong password and deactivated user alike'], 429: ['RATE_LIMITED'] })
  async login(@Body() body: LoginDto): Promise<AccessTokenDto> {
    const user = await this.verifyCredentials({ email: body.email, password: body.password });
    // The users context refuses a deactivated user already; the gateway does not hand out a token that its guard would refuse.
    if (user.status !== 'active') throw new ProblemException(ERROR_CODES.INVALID_CREDENTIALS, INVALID_CREDENTIALS_DETAIL);
    return Object.assign(new AccessTokenDto(), await this.tokens.issue(user));
  }

  private async verifyCredentials(request: VerifyCredentialsRequest): Promise<UserView> {
    try {
      return await this.users.send<UserView, VerifyCredentialsRequest>(USERS_PATTERNS.VERIFY_CREDENTIALS, request);
    } catch (error) {
      // Whatever the reason a login fails, the client learns only that it failed.
      const refusal: string[] = [ERROR_CODES.INVALID_CREDENTIALS, ERROR_CODES.USER_NOT_FOUND, ERROR_CODES.VALIDATION_FAILED];
      if (error instanceof RemoteError && refusal.includes(error.code)) {
        throw new ProblemException(ERROR_CODES.INVALID_CREDENTIALS, INVALID_CREDENTIALS_DETAIL);
      }
      throw error;
    }
  }
}
