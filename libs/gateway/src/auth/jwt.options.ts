import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { JwtModuleOptions } from '@nestjs/jwt';
import { secretOrDevelopmentDefault } from '@tessera/platform';
import { createSecretKey } from 'node:crypto';

export const JWT_ISSUER = 'tessera';
export const JWT_AUDIENCE = 'tessera-api';
/** Pinned on verify too: a token may not choose its own algorithm (`alg: none`, or RS/HS confusion). */
export const JWT_ALGORITHM = 'HS256';
export const DEVELOPMENT_JWT_SECRET = 'tessera-development-jwt-secret';

export function accessTokenTtlSeconds(config: ConfigService): number {
  return Number(config.get('JWT_EXPIRES_IN_SECONDS') ?? 3600);
}

/** JwtModule's options from the validated configuration; production refuses an unset or default JWT_SECRET. */
export function jwtModuleOptions(config: ConfigService): JwtModuleOptions {
  const secret = secretOrDevelopmentDefault(config, 'JWT_SECRET', DEVELOPMENT_JWT_SECRET, (message) => new Logger('Auth').warn(message));
  // A KeyObject, made once: given a string, jsonwebtoken tries it as a PEM public key on every verify, fails and
  // catches, which cost about 350 µs a request.
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return {
    secretOrKeyProvider: () => key,
    signOptions: { algorithm: JWT_ALGORITHM, issuer: JWT_ISSUER, audience: JWT_AUDIENCE, expiresIn: accessTokenTtlSeconds(config) },
    verifyOptions: { algorithms: [JWT_ALGORITHM], issuer: JWT_ISSUER, audience: JWT_AUDIENCE },
  };
}
