import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EmbeddedPostgres } from './embedded-postgres';
import { closeUnusedEarlyEmbeddedDatabase, DEFAULT_EMBEDDED_DB_DIR, takeEarlyEmbeddedDatabase } from './early-embedded-database';

/**
 * Starts the process's embedded database on first use, once, or takes over the one its instrument.ts began to open
 * (openEmbeddedDatabaseEarly); and stops it at shutdown.
 */
@Injectable()
export class EmbeddedDatabaseService implements OnApplicationBootstrap, OnApplicationShutdown {
  private started?: Promise<EmbeddedPostgres>;
  private readonly logger = new Logger('EmbeddedDatabase');

  constructor(private readonly config: ConfigService) {}

  get(): Promise<EmbeddedPostgres> {
    const dir = this.config.get<string>('EMBEDDED_DB_DIR', DEFAULT_EMBEDDED_DB_DIR);
    this.started ??= takeEarlyEmbeddedDatabase(dir, this.logger) ?? EmbeddedPostgres.start(dir);
    return this.started;
  }

  onApplicationBootstrap(): Promise<void> {
    return closeUnusedEarlyEmbeddedDatabase(this.logger);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.started) await (await this.started).stop();
  }
}
