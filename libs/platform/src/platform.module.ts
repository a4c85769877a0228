import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { validateEnv } from './config/env.schema';
import { EmbeddedDatabaseService } from './database/embedded-database.service';

/** Validated configuration and the embedded database, for every app. */
@Global()
@Module({
  imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: validateEnv, cache: true })],
  providers: [EmbeddedDatabaseService],
  exports: [EmbeddedDatabaseService],
})
export class PlatformModule {}
