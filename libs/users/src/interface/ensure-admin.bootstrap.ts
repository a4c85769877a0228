import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { secretOrDevelopmentDefault } from '@tessera/platform';
import { EnsureAdminCommand } from '../application/commands/ensure-admin/ensure-admin.command';
import { EnsureAdminHandler } from '../application/commands/ensure-admin/ensure-admin.handler';

const DEVELOPMENT_ADMIN_EMAIL = 'admin@shop.local';
const DEVELOPMENT_ADMIN_PASSWORD = 'admin-password';

/**
 * Ensures the admin account once, when the application has started (after the
 * migrations). ADMIN_EMAIL and ADMIN_PASSWORD default outside production, with
 * a warning; in production an unset or default value stops the start.
 */
@Injectable()
export class EnsureAdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('UsersModule');

  constructor(
    private readonly config: ConfigService,
    private readonly ensureAdmin: EnsureAdminHandler,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const warn = (message: string) => this.logger.warn(message);
    const email = secretOrDevelopmentDefault(this.config, 'ADMIN_EMAIL', DEVELOPMENT_ADMIN_EMAIL, warn);
    const password = secretOrDevelopmentDefault(this.config, 'ADMIN_PASSWORD', DEVELOPMENT_ADMIN_PASSWORD, warn);
    const outcome = await this.ensureAdmin.execute(new EnsureAdminCommand(email, password));
    switch (outcome) {
      case 'created':
        this.logger.log(`Created the admin account ${email}`);
        break;
      case 'existing':
        break;
      case 'not-an-active-admin':
        this.logger.warn(`ADMIN_EMAIL ${email} belongs to an account that is not an active admin; it was left unchanged`);
        break;
    }
  }
}
