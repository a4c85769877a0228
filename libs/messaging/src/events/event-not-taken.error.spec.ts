import { NatsError } from 'nats';
import { EventNotTakenError } from './event-not-taken.error';

describe('EventNotTakenError', () => {
  it("names each subscriber that did not take the event and why, in the broker's own words", () => {
    // What nats.js throws when JetStream refuses a publication because its storage is full.
    const storeFull = Object.assign(new NatsError('503', '503'), { api_error: { code: 503, err_code: 10023, description: 'insufficient resources' } });
    const error = new EventNotTakenError(
      ['catalog'],
      [
        { subscriber: 'payments', error: storeFull },
        { subscriber: 'gateway', error: new Error('TIMEOUT') },
      ],
    );
    expect(error.message).toBe('not taken by payments (503: insufficient resources), gateway (TIMEOUT)');
    expect(error.taken).toEqual(['catalog']);
  });
});
