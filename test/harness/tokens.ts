import { createHmac } from 'node:crypto';

const base64url = (value: object | string) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Signs a JWT by hand, so tests can make the tokens a client must never get accepted. */
export function craftToken(claims: Record<string, unknown>, options: { secret?: string; alg?: 'HS256' | 'none' } = {}): string {
  const alg = options.alg ?? 'HS256';
  const unsigned = `${base64url({ alg, typ: 'JWT' })}.${base64url(claims)}`;
  if (alg === 'none') return `${unsigned}.`;
  return `${unsigned}.${createHmac('sha256', options.secret ?? 'wrong-secret')
    .update(unsigned)
    .digest('base64url')}`;
}

/** The claims of a token, read without checking it. */
export function readClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}
