import { outboxLeaseSeconds } from './outbox';

describe('the outbox lease', () => {
  it('lasts 15 s unless a crash test asks for less', () => {
    expect(outboxLeaseSeconds({})).toBe(15);
    expect(outboxLeaseSeconds({ NODE_ENV: 'test', TESSERA_OUTBOX_LEASE_SECONDS: '5' })).toBe(5);
  });

  it('keeps 15 s in production whatever the crash tests would ask, and for what is not a number of seconds', () => {
    expect(outboxLeaseSeconds({ NODE_ENV: 'production', TESSERA_OUTBOX_LEASE_SECONDS: '5' })).toBe(15);
    for (const value of ['', '0', '-3', '2.5', 'soon']) expect(outboxLeaseSeconds({ TESSERA_OUTBOX_LEASE_SECONDS: value })).toBe(15);
  });
});
