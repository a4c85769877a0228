import { redeliveryDelayMs, retryAfterMsOf } from './redelivery-delay';

describe('redeliveryDelayMs', () => {
  it('doubles with each attempt up to a minute, jittered between half and all of it', () => {
    expect([1, 2, 3, 4].map((attempts) => redeliveryDelayMs(attempts, () => 1))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3, 4].map((attempts) => redeliveryDelayMs(attempts, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect(redeliveryDelayMs(30, () => 1)).toBe(60_000);
  });
});

describe('retryAfterMsOf', () => {
  it('reads the pause a failed delivery asked for from its error payload, on any transport', () => {
    expect(retryAfterMsOf({ code: 'EVENT_NOT_PROCESSED', message: 'later', details: { retryAfterMs: 1500 } })).toBe(1500);
    expect(retryAfterMsOf(new Error('plain'))).toBeUndefined();
    expect(retryAfterMsOf(undefined)).toBeUndefined();
  });
});
