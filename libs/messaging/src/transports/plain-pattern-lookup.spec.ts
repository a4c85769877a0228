import type { MessageHandler } from '@nestjs/microservices';
import { handlerOfPattern } from './plain-pattern-lookup';

describe('the handler of a pattern', () => {
  const probe = (async () => 'answered') as unknown as MessageHandler;
  const handlers = new Map([['catalog.probe', probe]]);
  const nestLookup = jest.fn(() => probe);

  it('is found by its plain string, and an object pattern is left to Nest', () => {
    expect(handlerOfPattern(handlers, 'catalog.probe', nestLookup)).toBe(probe);
    expect(handlerOfPattern(handlers, 'catalog.unknown', nestLookup)).toBeNull();
    expect(handlerOfPattern(handlers, '{"cmd":"probe"}', nestLookup)).toBe(probe);
  });

  it('is none for a packet with no pattern, or one that is not a string, as any socket may send', () => {
    for (const pattern of [undefined, null, 42, {}]) expect(handlerOfPattern(handlers, pattern as unknown as string, nestLookup)).toBeNull();
  });
});
