import { securityHeadersOf } from './security-headers';

describe('securityHeadersOf', () => {
  it("is helmet's headers for the options, worked out once", () => {
    const headers = securityHeadersOf({
      contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"] } },
      frameguard: { action: 'deny' },
    });

    expect(headers).toMatchObject({
      'content-security-policy': expect.stringContaining("script-src 'self'"),
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'strict-transport-security': expect.stringMatching(/max-age=\d+/),
      'referrer-policy': 'no-referrer',
    });
    expect(Object.isFrozen(headers)).toBe(true);
  });
});
