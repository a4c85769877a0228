/**
 * Facts this process has just made true and that stay true once they are
 * (this order was confirmed by this payment; this reservation was
 * committed), kept so that an event telling of the same thing moments later
 * is answered without reading it back from the database. Bounded: the
 * oldest are forgotten first. A fact forgotten, or made true by another
 * process, is simply not known here, and is read as before.
 */
export class RecentFacts {
  private readonly facts = new Set<string>();

  constructor(private readonly capacity = 10_000) {}

  record(fact: string): void {
    this.facts.delete(fact);
    this.facts.add(fact);
    if (this.facts.size > this.capacity) this.facts.delete(this.facts.values().next().value as string);
  }

  has(fact: string): boolean {
    return this.facts.has(fact);
  }
}
