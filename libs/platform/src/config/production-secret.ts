import { ConfigService } from '@nestjs/config';
import { ConfigurationError } from '@tessera/messaging';

export function isProduction(config: ConfigService): boolean {
  return config.get<string>('NODE_ENV') === 'production';
}

/**
 * Reads a secret that has a development default. In production an unset or
 * default value stops the start with a message naming the variable; elsewhere
 * the default is used and `warn` is told so.
 */
export function secretOrDevelopmentDefault(config: ConfigService, name: string, developmentDefault: string, warn: (message: string) => void): string {
  const value = config.get<string>(name);
  if (isProduction(config)) {
    if (!value || value === developmentDefault) {
      throw new ConfigurationError(`${name} must be set to a non-default value in production (NODE_ENV=production)`);
    }
    return value;
  }
  if (!value) {
    warn(`${name} is not set: using the development default, which production refuses`);
    return developmentDefault;
  }
  return value;
}
