import type { MoneyDto } from '@tessera/contracts';
import type { ChargeOutcome, ChargeRequest, PaymentProvider, RefundRequest } from '../domain/payment.provider';
import { TestPaymentProvider } from '../infrastructure/provider/test-payment.provider';
import { nextTurn } from '@tessera/messaging/testing';

/**
 * The test provider with a ledger, for specs: every call is recorded, and the
 * money is counted as a real provider keeps it (a repeated charge of one
 * payment, or a repeated refund of one charge, moves no more money). It can
 * be told to fail or to pause a call, as a provider that times out or is slow.
 */
export class RecordingPaymentProvider implements PaymentProvider {
  private readonly provider = new TestPaymentProvider();
  readonly chargeCalls: { paymentId: string; amount: MoneyDto; paymentMethod: string }[] = [];
  readonly refundCalls: { providerReference: string; amount: MoneyDto }[] = [];
  private readonly taken = new Map<string, number>();
  private readonly returned = new Map<string, number>();
  private readonly chargeFailures: Error[] = [];
  private readonly refundFailures: Error[] = [];
  private readonly beforeCharges: (() => Promise<unknown>)[] = [];

  async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    this.chargeCalls.push({ paymentId: request.paymentId, amount: request.amount.toJSON(), paymentMethod: request.paymentMethod.value });
    await this.beforeCharges.shift()?.();
    await nextTurn();
    const failure = this.chargeFailures.shift();
    if (failure) throw failure;
    const outcome = await this.provider.charge(request);
    if (outcome.outcome === 'succeeded') this.taken.set(outcome.providerReference, request.amount.amount);
    return outcome;
  }

  async refund(request: RefundRequest): Promise<void> {
    this.refundCalls.push({ providerReference: request.providerReference, amount: request.amount.toJSON() });
    await nextTurn();
    const failure = this.refundFailures.shift();
    if (failure) throw failure;
    await this.provider.refund(request);
    if (!this.taken.has(request.providerReference)) throw new Error(`No charge ${request.providerReference} to refund`);
    this.returned.set(request.providerReference, request.amount.amount);
  }

  /** Makes the next charge throw after being asked, as a provider that did not answer would (whether it charged is unknown). */
  failNextCharge(error = new Error('provider timeout')): void {
    this.chargeFailures.push(error);
  }

  failNextRefund(error = new Error('provider timeout')): void {
    this.refundFailures.push(error);
  }

  /** Runs `during` while the next charge is at the provider: what happens elsewhere meanwhile. */
  duringNextCharge(during: () => Promise<unknown>): void {
    this.beforeCharges.push(during);
  }

  /** The money taken, in minor units, once per charge however often it was asked. */
  get moneyTaken(): number {
    return [...this.taken.values()].reduce((sum, amount) => sum + amount, 0);
  }

  /** The money given back, once per charge however often it was asked. */
  get moneyReturned(): number {
    return [...this.returned.values()].reduce((sum, amount) => sum + amount, 0);
  }

  /** How many distinct charges succeeded. */
  get chargesTaken(): number {
    return this.taken.size;
  }
}
