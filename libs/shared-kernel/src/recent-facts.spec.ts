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

  it('holds at most its capacity, always the newest half of it, and a key kept again outlasts the others', () => {
    const values = new RecentValues<number>(10);
    for (let n = 0; n < 1000; n++) {
      values.keep(`key ${n}`, n);
      if (n % 4 === 0) values.keep('in use', n);
    }
    const kept = Array.from({ length: 1000 }, (_, n) => `key ${n}`).filter((key) => values.get(key) !== undefined);
    expect(kept.length).toBeLessThanOrEqual(9);
    expect(kept).toEqual(expect.arrayContaining(['key 995', 'key 996', 'key 997', 'key 998', 'key 999']));
    expect(values.get('in use')).toBe(996);
  });
});
