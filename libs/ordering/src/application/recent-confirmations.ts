import { Injectable } from '@nestjs/common';
import { RecentFacts } from '@tessera/shared-kernel';

/**
 * The orders this process has just confirmed, with the payment that paid
 * each: payments.payment.succeeded follows nearly every confirmation by a
 * few milliseconds, and its handler needs no read to know it has nothing
 * left to do (ADR 0007).
 */
@Injectable()
export class RecentConfirmations {
  private readonly facts = new RecentFacts();

  record(orderId: string, paymentId: string): void {
    this.facts.record(`${orderId.toLowerCase()} ${paymentId}`);
  }

  confirmed(orderId: string, paymentId: string): boolean {
    return this.facts.has(`${orderId.toLowerCase()} ${paymentId}`);
  }
}
