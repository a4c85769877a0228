/**
 * What this process kept last, by key, up to `capacity` entries: keeping a
 * key again makes it the newest, and once there are too many the one left
 * unchanged longest is forgotten first.
 */
export class RecentValues<V> {
  private readonly values = new Map<string, V>();

  constructor(private readonly capacity = 10_000) {}

  keep(key: string, value: V): void {
    this.values.delete(key);
    this.values.set(key, value);
    if (this.values.size > this.capacity) this.values.delete(this.values.keys().next().value as string);
  }

  get(key: string): V | undefined {
    return this.values.get(key);
  }

  forget(key: string): void {
    this.values.delete(key);
  }
}

/**
 * Facts this process has just made true and that stay true once they are
 * (this order was confirmed by this payment; this reservation was
 * committed), kept so that an event telling of the same thing moments later
 * is answered without reading it back from the database. Bounded: the
 * oldest are forgotten first. A fact forgotten, or made true by another
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
