import { ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { ERROR_CODES, UserView } from '@tessera/contracts';
import { ContextClient, RemoteError } from '@tessera/messaging';
import { ProblemException } from '../problems/problem.exception';
import { AccessTokenService } from './access-token.service';
import { Public } from './auth.decorators';
import type { AuthenticatedUser } from './authenticated-user';
import { JwtAuthGuard } from './jwt-auth.guard';
import { jwtModuleOptions } from './jwt.options';
import { UserStatusCache } from './user-status.cache';
import { MemoizedReflector } from '../common/memoized-reflector';

const SECRET = 'a-test-secret-of-enough-length';
const ADA = 'a0000000-0000-4000-8000-000000000001';

class Routes {
  guarded(): void {}
  @Public()
  open(): void {}
}

function setup() {
  const config = new ConfigService({ JWT_SECRET: SECRET, JWT_EXPIRES_IN_SECONDS: 900 });
  const jwt = new JwtService(jwtModuleOptions(config));
  const tokens = new AccessTokenService(jwt, config);
  const directory = new Map<string, Pick<UserView, 'status' | 'role'>>([[ADA, { status: 'active', role: 'customer' }]]);
  const users = {
    async send(_pattern: string, request: { userId: string }) {
      const user = directory.get(request.userId);
      if (!user) throw new RemoteError(ERROR_CODES.USER_NOT_FOUND, 'No such user');
      return { id: request.userId, ...user };
    },
  } as unknown as ContextClient;
  const statuses = new UserStatusCache(users);
  const guard = new JwtAuthGuard(new MemoizedReflector(), tokens, statuses);
  return { guard, tokens, directory, statuses };
}

function httpContext(authorization?: string, handler: keyof Routes = 'guarded') {
  const request: { headers: Record<string, string | undefined>; routeOptions: { url: string }; user?: AuthenticatedUser } = {
    headers: { authorization },
    routeOptions: { url: '/users/me' },
  };
  const headers: Record<string, string> = {};
  const reply = { header: (name: string, value: string) => ((headers[name] = value), reply) };
  const context = {
    getType: () => 'http',
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ExecutionContext;
  return { context, request, headers };
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function refusal(answer: boolean | Promise<unknown>): Promise<ProblemException> {
  const error = await Promise.resolve(answer).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ProblemException);
  return error as ProblemException;
}

describe('JwtAuthGuard', () => {
  it('lets a valid token in and names its user on the request', async () => {
    const { guard, tokens } = setup();
    const { accessToken } = await tokens.issue({ id: ADA, role: 'customer' });
    const { context, request } = httpContext(`Bearer ${accessToken}`);
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(request.user).toEqual({ id: ADA, role: 'customer' });
  });

  it('refuses a request without a token with 401 and a WWW-Authenticate challenge', async () => {
    const { guard } = setup();
    const { context, headers } = httpContext(undefined);
    const error = await refusal(guard.canActivate(context));
    expect(error.getStatus()).toBe(401);
    expect(error.code).toBe('UNAUTHORIZED');
    expect(headers['WWW-Authenticate']).toBe('Bearer');
  });

  it.each([
    ['another scheme', 'Basic YWRhOnB3'],
    ['a token that is not a JWT', 'Bearer not-a-jwt'],
    ['an empty bearer', 'Bearer '],
  ])('refuses %s with 401', async (_name, authorization) => {
    const { guard } = setup();
    expect((await refusal(guard.canActivate(httpContext(authorization).context))).getStatus()).toBe(401);
  });

  it('refuses an expired token, and says so', async () => {
    const { guard } = setup();
    const expired = new JwtService({ secret: SECRET }).sign(
      { role: 'customer', exp: Math.floor(Date.now() / 1000) - 10 },
      { subject: ADA, issuer: 'tessera', audience: 'tessera-api', algorithm: 'HS256' },
    );
    const { context, headers } = httpContext(`Bearer ${expired}`);
    const error = await refusal(guard.canActivate(context));
    expect(error.getStatus()).toBe(401);
    expect(error.message).toMatch(/expired/);
    expect(headers['WWW-Authenticate']).toBe('Bearer error="invalid_token"');
  });

  it('refuses a token signed with another secret', async () => {
    const { guard } = setup();
    const forged = new JwtService({ secret: 'somebody-elses-secret-value' }).sign(
      { role: 'admin' },
      { subject: ADA, issuer: 'tessera', audience: 'tessera-api', algorithm: 'HS256', expiresIn: 600 },
    );
    expect((await refusal(guard.canActivate(httpContext(`Bearer ${forged}`).context))).getStatus()).toBe(401);
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const { guard } = setup();
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: ADA, role: 'admin', iss: 'tessera', aud: 'tessera-api', iat: now, exp: now + 600 })}.`;
    expect((await refusal(guard.canActivate(httpContext(`Bearer ${unsigned}`).context))).getStatus()).toBe(401);
  });

  it('refuses a token with the right secret but another algorithm, issuer or audience', async () => {
    const { guard } = setup();
    const signer = new JwtService({ secret: SECRET });
    const base = { subject: ADA, issuer: 'tessera', audience: 'tessera-api', algorithm: 'HS256' as const, expiresIn: 600 };
    for (const options of [
      { ...base, algorithm: 'HS512' as const },
      { ...base, issuer: 'someone-else' },
      { ...base, audience: 'another-api' },
    ]) {
      const token = signer.sign({ role: 'customer' }, options);
      expect((await refusal(guard.canActivate(httpContext(`Bearer ${token}`).context))).getStatus()).toBe(401);
    }
  });

  it('refuses a signed token that never expires', async () => {
    const { guard } = setup();
    const eternal = new JwtService({ secret: SECRET }).sign(
      { role: 'customer' },
      { subject: ADA, issuer: 'tessera', audience: 'tessera-api', algorithm: 'HS256' },
    );
    expect((await refusal(guard.canActivate(httpContext(`Bearer ${eternal}`).context))).getStatus()).toBe(401);
  });

  it("refuses a deactivated user's token from the moment the cache is told", async () => {
    const { guard, tokens, directory, statuses } = setup();
    const { accessToken } = await tokens.issue({ id: ADA, role: 'customer' });
    await expect(guard.canActivate(httpContext(`Bearer ${accessToken}`).context)).resolves.toBe(true);
    directory.set(ADA, { status: 'inactive', role: 'customer' });
    statuses.invalidate(ADA);
    const error = await refusal(guard.canActivate(httpContext(`Bearer ${accessToken}`).context));
    expect(error.getStatus()).toBe(401);
    expect(error.message).toMatch(/revoked/);
  });

  it('refuses the token of a user that no longer exists', async () => {
    const { guard, tokens, directory } = setup();
    const { accessToken } = await tokens.issue({ id: ADA, role: 'customer' });
    directory.clear();
    expect((await refusal(guard.canActivate(httpContext(`Bearer ${accessToken}`).context))).getStatus()).toBe(401);
  });

  it('takes the role from the users context, not from the token', async () => {
    const { guard, tokens, directory } = setup();
    const { accessToken } = await tokens.issue({ id: ADA, role: 'admin' });
    directory.set(ADA, { status: 'active', role: 'customer' });
    const { context, request } = httpContext(`Bearer ${accessToken}`);
    await guard.canActivate(context);
    expect(request.user?.role).toBe('customer');
  });

  it('lets @Public() routes, health probes and message handlers through without a token', () => {
    const { guard } = setup();
    expect(guard.canActivate(httpContext(undefined, 'open').context)).toBe(true);
    const probe = httpContext(undefined);
    probe.request.routeOptions.url = '/health/ready';
    expect(guard.canActivate(probe.context)).toBe(true);
    const rpc = { getType: () => 'rpc' } as unknown as ExecutionContext;
    expect(guard.canActivate(rpc)).toBe(true);
  });
});
