import { RecentFacts, RecentValues } from './recent-facts';

describe('RecentFacts', () => {
  it('knows what was recorded, and forgets the oldest beyond its capacity', () => {
    const facts = new RecentFacts(2);
    facts.record('a');
    facts.record('b');
    facts.record('a');
    facts.record('c');
    expect(facts.has('a')).toBe(true);
    expect(facts.has('b')).toBe(false);
    expect(facts.has('c')).toBe(true);
  });
});

describe('RecentValues', () => {
  it('answers the value kept last for a key, forgets on request, and the oldest beyond its capacity', () => {
    const values = new RecentValues<number>(2);
    values.keep('a', 1);
    values.keep('b', 2);
    values.keep('a', 3);
    values.keep('c', 4);
    expect([values.get('a'), values.get('b'), values.get('c')]).toEqual([3, undefined, 4]);
    values.forget('a');
    expect(values.get('a')).toBeUndefined();
  });
});
