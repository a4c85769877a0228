import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService, TokenExpiredError } from '@nestjs/jwt';
import type { UserRole, UserView } from '@tessera/contracts';
import { GATEWAY_ERROR_CODES } from '../problems/problem-codes';
import { ProblemException } from '../problems/problem.exception';
import { isUuid } from '../common/uuid';
import { accessTokenTtlSeconds, JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER } from './jwt.options';

/** What a verified access token says: who, in which role, until when. */
export interface AccessTokenClaims {
  sub: string;
  role: UserRole;
  exp: number;
}

/** The body of a successful login. */
export interface IssuedAccessToken {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/** Issues and checks the API's bearer tokens (HS256, issuer and audience bound, always expiring). */
@Injectable()
export class AccessTokenService {
  private readonly ttlSeconds: number;

  constructor(
    private readonly jwt: JwtService,
    config: ConfigService,
  ) {
    this.ttlSeconds = accessTokenTtlSeconds(config);
  }

  async issue(user: Pick<UserView, 'id' | 'role'>): Promise<IssuedAccessToken> {
    const accessToken = await this.jwt.signAsync(
      { role: user.role },
      { subject: user.id, expiresIn: this.ttlSeconds, algorithm: JWT_ALGORITHM, issuer: JWT_ISSUER, audience: JWT_AUDIENCE },
    );
    return { accessToken, tokenType: 'Bearer', expiresIn: this.ttlSeconds };
  }

  /** The token's claims, or a 401 problem for a token that is expired, forged, unsigned or not ours. */
  async verify(token: string): Promise<AccessTokenClaims> {
    let payload: unknown;
    try {
      payload = await this.jwt.verifyAsync(token, { algorithms: [JWT_ALGORITHM], issuer: JWT_ISSUER, audience: JWT_AUDIENCE });
    } catch (error) {
      throw invalidToken(error instanceof TokenExpiredError ? 'The access token has expired.' : 'The access token is not valid.');
    }
    if (!hasClaims(payload)) throw invalidToken('The access token is not valid.');
    return payload;
  }
}

function hasClaims(payload: unknown): payload is AccessTokenClaims {
  const claims = payload as Partial<AccessTokenClaims> | null;
  // jsonwebtoken accepts a token without `exp` as never expiring; ours always carry one.
  return (
    typeof claims === 'object' &&
    claims !== null &&
    typeof claims.sub === 'string' &&
    isUuid(claims.sub) &&
    (claims.role === 'customer' || claims.role === 'admin') &&
    typeof claims.exp === 'number'
  );
}

function invalidToken(detail: string): ProblemException {
  return new ProblemException(GATEWAY_ERROR_CODES.UNAUTHORIZED, detail);
}
