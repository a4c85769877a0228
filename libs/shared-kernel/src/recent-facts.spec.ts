import { RecentFacts } from './recent-facts';

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
