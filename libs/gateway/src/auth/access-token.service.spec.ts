import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { ProblemException } from '../problems/problem.exception';
import { AccessTokenService, VERIFIED_TOKENS_KEPT } from './access-token.service';
import { jwtModuleOptions } from './jwt.options';

const ADA = 'a0000000-0000-4000-8000-000000000001';
const TTL_SECONDS = 900;

function setup(secret = 'a-test-secret-of-enough-length') {
  const config = new ConfigService({ JWT_SECRET: secret, JWT_EXPIRES_IN_SECONDS: TTL_SECONDS });
  const jwt = new JwtService(jwtModuleOptions(config));
  return { tokens: new AccessTokenService(jwt, config), jwt };
}

async function refusal(verifying: Promise<unknown>): Promise<string> {
  const error = await verifying.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ProblemException);
  return (error as ProblemException).message;
}

describe('AccessTokenService', () => {
  afterEach(() => jest.useRealTimers());

  it('answers a token it issued with who it is for, each time it is shown, and verifies it once', async () => {
    const { tokens, jwt } = setup();
    const { accessToken } = await tokens.issue({ id: ADA, role: 'admin' });
    const verifying = jest.spyOn(jwt, 'verifyAsync');
    for (let shown = 0; shown < 3; shown++) {
      await expect(tokens.verify(accessToken)).resolves.toMatchObject({ sub: ADA, role: 'admin' });
    }
    expect(verifying).toHaveBeenCalledTimes(1);
  });

  it('refuses a token it accepted before once it has expired, as expired', async () => {
    jest.useFakeTimers({ now: new Date('2026-12-05T12:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
    const { tokens } = setup();
    const { accessToken } = await tokens.issue({ id: ADA, role: 'customer' });
    await expect(tokens.verify(accessToken)).resolves.toMatchObject({ sub: ADA });
    jest.setSystemTime(Date.now() + (TTL_SECONDS - 1) * 1000);
    await expect(tokens.verify(accessToken)).resolves.toMatchObject({ sub: ADA });
    jest.setSystemTime(Date.now() + 1000);
    expect(await refusal(tokens.verify(accessToken))).toBe('The access token has expired.');
    expect(await refusal(tokens.verify(accessToken))).toBe('The access token has expired.');
  });

  it('refuses what differs from a token it accepted by its signature or its claims, and one signed by another key', async () => {
    const { tokens } = setup();
    const { accessToken } = await tokens.issue({ id: ADA, role: 'customer' });
    await tokens.verify(accessToken);
    const [header, payload, signature] = accessToken.split('.');
    const asAdmin = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin' })).toString('base64url');
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await refusal(tokens.verify(`${header}.${asAdmin}.${signature}`))).toBe('The access token is not valid.');
    expect(await refusal(tokens.verify(`${header}.${payload}.${flipped}`))).toBe('The access token is not valid.');
    const { accessToken: foreign } = await setup('another-secret-of-enough-length').tokens.issue({ id: ADA, role: 'admin' });
    expect(await refusal(tokens.verify(foreign))).toBe('The access token is not valid.');
  });

  it(`remembers at most ${VERIFIED_TOKENS_KEPT} tokens, forgetting first those shown least recently`, async () => {
    const { tokens, jwt } = setup();
    const issued: string[] = [];
    for (let user = 0; user <= VERIFIED_TOKENS_KEPT; user++) {
      const { accessToken } = await tokens.issue({ id: `a0000000-0000-4000-8000-${String(user).padStart(12, '0')}`, role: 'customer' });
      issued.push(accessToken);
    }
    const inUse = issued[1];
    for (const [shown, token] of issued.entries()) {
      await tokens.verify(token);
      if (shown % 1000 === 0) await tokens.verify(inUse);
    }
    const verifying = jest.spyOn(jwt, 'verifyAsync');
    await tokens.verify(issued[issued.length - 1]);
    await tokens.verify(inUse);
    expect(verifying).not.toHaveBeenCalled();
    await expect(tokens.verify(issued[0])).resolves.toMatchObject({ sub: 'a0000000-0000-4000-8000-000000000000' });
    expect(verifying).toHaveBeenCalledTimes(1);
    // Some 20,000 HMACs: 1.6 s on an idle machine, several times that beside the e2e suites on a busy one.
  }, 60_000);
});
