import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessagingPersistenceModule } from '@tessera/messaging';
import { ContextDatabaseModule } from '@tessera/platform';
import { DeactivateUserHandler } from './application/commands/deactivate-user/deactivate-user.handler';
import { EnsureAdminHandler } from './application/commands/ensure-admin/ensure-admin.handler';
import { RegisterUserHandler } from './application/commands/register-user/register-user.handler';
import { UpdateProfileHandler } from './application/commands/update-profile/update-profile.handler';
import { CheckHealthHandler } from './application/queries/check-health/check-health.handler';
import { GetUserHandler } from './application/queries/get-user/get-user.handler';
import { ListUsersHandler } from './application/queries/list-users/list-users.handler';
import { VerifyCredentialsHandler } from './application/queries/verify-credentials/verify-credentials.handler';
import { PASSWORD_HASHER } from './domain/password.hasher';
import { USER_REPOSITORY } from './domain/user.repository';
import { ScryptPasswordHasher } from './infrastructure/hashing/scrypt-password.hasher';
import { USERS_MIGRATIONS } from './infrastructure/migrations';
import { TypeOrmUserRepository } from './infrastructure/persistence/typeorm-user.repository';
import { UserOrmEntity } from './infrastructure/persistence/user.orm-entity';
import { EnsureAdminBootstrap } from './interface/ensure-admin.bootstrap';
import { UsersMessagesController } from './interface/users.messages.controller';

/**
 * The users context: accounts, credentials and roles, in its own schema,
 * reachable only through USERS_PATTERNS. Needs PlatformModule (configuration,
 * embedded database) and MessagingModule (event publisher) in the app; its
 * events leave through its outbox.
 */
@Module({
  imports: [
    ContextDatabaseModule.forContext({ context: 'users', entities: [UserOrmEntity], migrations: USERS_MIGRATIONS }),
    TypeOrmModule.forFeature([UserOrmEntity], 'users'),
    MessagingPersistenceModule.forContext('users'),
  ],
  controllers: [UsersMessagesController],
  providers: [
    { provide: USER_REPOSITORY, useClass: TypeOrmUserRepository },
    { provide: PASSWORD_HASHER, useClass: ScryptPasswordHasher },
    RegisterUserHandler,
    VerifyCredentialsHandler,
    GetUserHandler,
    ListUsersHandler,
    UpdateProfileHandler,
    DeactivateUserHandler,
    EnsureAdminHandler,
    CheckHealthHandler,
    EnsureAdminBootstrap,
  ],
})
export class UsersModule {}
