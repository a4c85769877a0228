import { Injectable } from '@nestjs/common';
import { RecentFacts } from '@tessera/shared-kernel';

/**
 * The reservations this process has just committed: ordering.order.confirmed
 * follows nearly every commit by a few milliseconds, and its handler needs
 * no read to know the commit was done (ADR 0007).
 */
@Injectable()
export class RecentCommits {
  private readonly facts = new RecentFacts();

  record(reservationId: string): void {
    this.facts.record(reservationId.toLowerCase());
  }

  committed(reservationId: string): boolean {
    return this.facts.has(reservationId.toLowerCase());
  }
}
