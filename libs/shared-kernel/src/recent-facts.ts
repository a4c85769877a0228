/**
 * What this process kept last, by key, up to `capacity` entries: keeping a
 * key again makes it one of the newest, and once there are too many those
 * left unchanged longest are forgotten first, the newest half of `capacity`
 * always kept.
 *
 * In two generations: once the newer holds half of `capacity`, it becomes
 * the older, and what the older held is forgotten, but for the keys kept
 * again meanwhile, which moved to the newer. That is O(1) a key. One map
 * trimmed from its oldest end, as this was, walks the holes its deletions
 * leave until V8 rehashes it: 10-14 µs a key once full, against 0.3 µs.
 */
export class RecentValues<V> {
  private newer = new Map<string, V>();
  private older = new Map<string, V>();
  private readonly generationSize: number;

  constructor(capacity = 10_000) {
    this.generationSize = Math.max(1, Math.floor(capacity / 2));
  }

  keep(key: string, value: V): void {
    this.older.delete(key);
    if (!this.newer.has(key) && this.newer.size >= this.generationSize) {
      this.older = this.newer;
      this.newer = new Map();
    }
    this.newer.set(key, value);
  }

  get(key: string): V | undefined {
    return this.newer.get(key) ?? this.older.get(key);
  }

  forget(key: string): void {
    this.newer.delete(key);
    this.older.delete(key);
  }
}

/**
 * Facts this process has just made true and that stay true once they are
 * (this order was confirmed by this payment; this reservation was
 * committed), kept so that an event telling of the same thing moments later
 * is answered without reading it back from the database. Bounded: the
 * oldest are forgotten first (RecentValues). A fact forgotten, or made true by another
 * process, is simply not known here, and is read as before.
 */
export class RecentFacts {
  private readonly facts: RecentValues<true>;

  constructor(capacity?: number) {
    this.facts = new RecentValues(capacity);
  }

  record(fact: string): void {
    this.facts.keep(fact, true);
  }

  has(fact: string): boolean {
    return this.facts.get(fact) === true;
  }
}
