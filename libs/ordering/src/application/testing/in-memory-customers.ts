import type { Customers, CustomerStanding } from '../customers';

/** The Customers contract in memory, for specs: a standing per user, inactive for good once inactive. */
export class InMemoryCustomers implements Customers {
  private readonly standings = new Map<string, CustomerStanding>();
  /** Makes the next record() fail, as a process killed before it, or a database gone, would leave it. */
  failNextRecord?: Error;

  async record(userId: string, standing: CustomerStanding): Promise<void> {
    const failure = this.failNextRecord;
    this.failNextRecord = undefined;
    if (failure) throw failure;
    if (this.standings.get(userId) !== 'inactive') this.standings.set(userId, standing);
  }

  /** What ordering knows of the user; undefined when it has not met them. */
  standingOf(userId: string): CustomerStanding | undefined {
    return this.standings.get(userId);
  }
}
