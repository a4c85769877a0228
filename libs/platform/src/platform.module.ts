import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { REQUEST_TIMEOUT_MS } from '@tessera/messaging';
import { StopAnnouncement } from './bootstrap/stop-announcement';
import { validateEnv } from './config/env.schema';
import { RuntimeSettings } from './config/runtime-settings';
import { withRuntimeSettingsFile } from './config/runtime-settings-file';
import { EmbeddedDatabaseService } from './database/embedded-database.service';
import { TracingShutdown } from './tracing/tracing-shutdown';

/**
 * Validated configuration (CONFIG_FILE's runtime settings over the environment, as they were at start), the runtime
 * settings as they are now, the embedded database, the last spans exported at shutdown, and a line saying a stop was
 * asked for, for every app.
 */
@Global()
@Module({
  // Validated when the app is built, into the ConfigService alone: a `validate` option would run on import and write
  // every default into process.env, where a test runner deciding which services it wants would read them.
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      ignoreEnvVars: true,
      load: [() => validateEnv(withRuntimeSettingsFile(process.env))],
      cache: true,
    }),
  ],
  providers: [
    EmbeddedDatabaseService,
    TracingShutdown,
    StopAnnouncement,
    { provide: RuntimeSettings, useFactory: () => RuntimeSettings.fromEnvironment(process.env) },
    // Context clients ask it at each call, so a changed REQUEST_TIMEOUT_MS applies without rebuilding them.
    { provide: REQUEST_TIMEOUT_MS, inject: [RuntimeSettings], useFactory: (settings: RuntimeSettings) => () => settings.get('REQUEST_TIMEOUT_MS') },
  ],
  exports: [EmbeddedDatabaseService, RuntimeSettings, REQUEST_TIMEOUT_MS],
})
export class PlatformModule {}
