import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { validateEnv } from './config/env.schema';
import { EmbeddedDatabaseService } from './database/embedded-database.service';
import { TracingShutdown } from './tracing/tracing-shutdown';

/** Validated configuration, the embedded database, and the last spans exported at shutdown, for every app. */
@Global()
@Module({
  // Validated when the app is built, into the ConfigService alone: a `validate` option would run on import and write
  // every default into process.env, where a test runner deciding which services it wants would read them.
  imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, ignoreEnvVars: true, load: [() => validateEnv(process.env)], cache: true })],
  providers: [EmbeddedDatabaseService, TracingShutdown],
  exports: [EmbeddedDatabaseService],
})
export class PlatformModule {}
