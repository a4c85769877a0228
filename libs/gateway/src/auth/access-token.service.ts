import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService, TokenExpiredError } from '@nestjs/jwt';
import type { UserRole, UserView } from '@tessera/contracts';
import { RecentValues } from '@tessera/shared-kernel';
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

/**
 * How many verified tokens are remembered: a client sends the same token with every request until it expires, so
 * this is about the clients active within a token's lifetime that one process keeps from verifying again. Beyond
 * it, those shown least recently are forgotten first (RecentValues). About half a kilobyte each.
 */
export const VERIFIED_TOKENS_KEPT = 10_000;

/** Issues and checks the API's bearer tokens (HS256, issuer and audience bound, always expiring). */
@Injectable()
export class AccessTokenService {
  private readonly ttlSeconds: number;
  /**
   * Tokens this process verified, by their whole text, with what they say. Verifying one costs an HMAC and
   * jsonwebtoken's checks (about 10 µs), twice an order placed and paid; the same text signed by the same key
   * verifies the same way every time until it expires, which is checked on every use. JWT_SECRET is read at start only.
   */
  private readonly verified = new RecentValues<AccessTokenClaims>(VERIFIED_TOKENS_KEPT);

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
    const known = this.verified.get(token);
    // jsonwebtoken's rule for `exp`: expired from that second on. An expired one goes on to say so as it would.
    if (known !== undefined && Math.floor(Date.now() / 1000) < known.exp) return this.remember(token, known);
    if (known !== undefined) this.verified.forget(token);
    let payload: unknown;
    try {
      payload = await this.jwt.verifyAsync(token, { algorithms: [JWT_ALGORITHM], issuer: JWT_ISSUER, audience: JWT_AUDIENCE });
    } catch (error) {
      throw invalidToken(error instanceof TokenExpiredError ? 'The access token has expired.' : 'The access token is not valid.');
    }
    if (!hasClaims(payload)) throw invalidToken('The access token is not valid.');
    return this.remember(token, Object.freeze(payload));
  }

  private remember(token: string, claims: AccessTokenClaims): AccessTokenClaims {
    this.verified.keep(token, claims);
    return claims;
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
