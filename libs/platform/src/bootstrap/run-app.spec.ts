import { ConfigurationError, DependencyUnavailableError } from '@tessera/messaging';
import { EXIT_CODES, exitCodeOf } from './run-app';

describe('exitCodeOf', () => {
  it('tells a configuration that will never start from a dependency that may come back, and both from the rest', () => {
    expect(exitCodeOf(new ConfigurationError('TRANSPORT must be one of inproc, tcp, nats, rmq; got "kafka"'))).toBe(78);
    expect(exitCodeOf(new DependencyUnavailableError('NATS at nats://127.0.0.1:4999 did not accept a connection'))).toBe(69);
    expect(exitCodeOf(new Error('boom'))).toBe(EXIT_CODES.failure);
    expect(exitCodeOf('a string')).toBe(1);
  });
});
