import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EmbeddedPostgres } from './embedded-postgres';

/** Starts the process's embedded database on first use, once, and stops it at shutdown. */
@Injectable()
export class EmbeddedDatabaseService implements OnApplicationShutdown {
  private started?: Promise<EmbeddedPostgres>;

  constructor(private readonly config: ConfigService) {}

  get(): Promise<EmbeddedPostgres> {
    this.started ??= EmbeddedPostgres.start(this.config.get<string>('EMBEDDED_DB_DIR', '.data/db'));
    return this.started;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.started) await (await this.started).stop();
  }
}
