import { randomUUID } from 'node:crypto';
import { AggregateRoot, isUuid, Money, ValidationError } from '@tessera/shared-kernel';
import { IllegalPaymentTransitionError } from './payment.errors';
import { PaymentFailedDomainEvent } from './payment-failed.domain-event';
import type { PaymentMethod } from './payment-method.value-object';
import type { ChargeOutcome } from './payment.provider';
import { PaymentRefundedDomainEvent } from './payment-refunded.domain-event';
import { PaymentSucceededDomainEvent } from './payment-succeeded.domain-event';

/** PENDING while the provider is asked; then SUCCEEDED or FAILED; a SUCCEEDED payment may become REFUNDED. */
export type PaymentState = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'REFUNDED';

/** What it takes to start paying an order. */
export interface NewPayment {
  orderId: string;
  userId: string;
  amount: Money;
  paymentMethod: PaymentMethod;
}

/** Everything a payment is, as stored. */
export interface PaymentSnapshot {
  id: string;
  orderId: string;
  userId: string;
  amount: Money;
  paymentMethod: string;
  status: PaymentState;
  failureReason: string | null;
  providerReference: string | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** Everything a payment records as it changes. */
export type PaymentDomainEvent = PaymentSucceededDomainEvent | PaymentFailedDomainEvent | PaymentRefundedDomainEvent;

const TEXT_MAX_LENGTH = 255;

/**
 * One attempt to charge an order's total. It is created PENDING before the
 * provider is asked, so that the attempt exists (and blocks a second one for
 * the order) even if the process dies during the charge; it then settles once,
 * SUCCEEDED or FAILED, and only a SUCCEEDED payment can be refunded.
 */
export class Payment extends AggregateRoot<PaymentDomainEvent> {
  private constructor(private readonly state: PaymentSnapshot) {
    super();
  }

  static create(input: NewPayment, now: Date = new Date()): Payment {
    if (!Payment.isWellFormedId(input.orderId)) throw ValidationError.of('orderId', 'must be a UUID');
    if (!Payment.isWellFormedId(input.userId)) throw ValidationError.of('userId', 'must be a UUID');
    if (input.amount.isNegative()) throw ValidationError.of('amount.amount', 'must not be negative');
    return new Payment({
      id: randomUUID(),
      orderId: input.orderId.toLowerCase(),
      userId: input.userId.toLowerCase(),
      amount: input.amount,
      paymentMethod: input.paymentMethod.value,
      status: 'PENDING',
      failureReason: null,
      providerReference: null,
      createdAt: new Date(now),
      updatedAt: new Date(now),
      version: 1,
    });
  }

  /** Rebuilds a stored payment; the store's constraints already hold, so nothing is recorded. */
  static reconstitute(snapshot: PaymentSnapshot): Payment {
    return new Payment({ ...snapshot, createdAt: new Date(snapshot.createdAt), updatedAt: new Date(snapshot.updatedAt) });
  }

  /** Payment (and order and user) ids are UUIDs; anything else names none. */
  static isWellFormedId(value: unknown): value is string {
    return isUuid(value);
  }

  get id(): string {
    return this.state.id;
  }

  get orderId(): string {
    return this.state.orderId;
  }

  get userId(): string {
    return this.state.userId;
  }

  get amount(): Money {
    return this.state.amount;
  }

  get paymentMethod(): string {
    return this.state.paymentMethod;
  }

  get status(): PaymentState {
    return this.state.status;
  }

  /** Why the provider declined; only on a FAILED payment. */
  get failureReason(): string | null {
    return this.state.failureReason;
  }

  /** The provider's id of the charge, which a refund names; set once the charge succeeded. */
  get providerReference(): string | null {
    return this.state.providerReference;
  }

  get createdAt(): Date {
    return new Date(this.state.createdAt);
  }

  get updatedAt(): Date {
    return new Date(this.state.updatedAt);
  }

  /** The stored version this payment was loaded at; a save succeeds only if it is still current. */
  get version(): number {
    return this.state.version;
  }

  get isPending(): boolean {
    return this.state.status === 'PENDING';
  }

  /** Only a succeeded payment has money to give back. */
  get isRefundable(): boolean {
    return this.state.status === 'SUCCEEDED';
  }

  /** The customer who pays sees the payment; nobody else but an admin does. */
  isVisibleTo(requester: { userId: string; isAdmin: boolean }): boolean {
    return requester.isAdmin || (typeof requester.userId === 'string' && requester.userId.toLowerCase() === this.state.userId);
  }

  /** The provider took the money. */
  succeed(providerReference: string, now: Date = new Date()): void {
    this.assertStatus('PENDING', 'succeed');
    this.state.providerReference = checkText(providerReference, 'providerReference');
    this.state.status = 'SUCCEEDED';
    this.state.updatedAt = new Date(now);
    this.record(new PaymentSucceededDomainEvent(this.id, this.orderId, this.amount, new Date(now)));
  }

  /** The provider declined; the reason is kept for the customer. */
  fail(reason: string, now: Date = new Date()): void {
    this.assertStatus('PENDING', 'fail');
    this.state.failureReason = checkText(reason, 'failureReason');
    this.state.status = 'FAILED';
    this.state.updatedAt = new Date(now);
    this.record(new PaymentFailedDomainEvent(this.id, this.orderId, this.state.failureReason, new Date(now)));
  }

  /** Settles a pending payment with what the provider answered to its charge. */
  settle(outcome: ChargeOutcome, now: Date = new Date()): void {
    if (outcome.outcome === 'succeeded') this.succeed(outcome.providerReference, now);
    else this.fail(outcome.reason, now);
  }

  /** The provider gave the money back. */
  refund(now: Date = new Date()): void {
    this.assertStatus('SUCCEEDED', 'be refunded');
    this.state.status = 'REFUNDED';
    this.state.updatedAt = new Date(now);
    this.record(new PaymentRefundedDomainEvent(this.id, this.orderId, this.amount, new Date(now)));
  }

  /** Called by the repository once a change is stored, so that a further change is checked against the new version. */
  markStored(version: number): void {
    this.state.version = version;
  }

  toSnapshot(): PaymentSnapshot {
    return { ...this.state, createdAt: this.createdAt, updatedAt: this.updatedAt };
  }

  private assertStatus(expected: PaymentState, verb: string): void {
    if (this.state.status !== expected) throw new IllegalPaymentTransitionError(this.id, this.state.status, verb);
  }
}

function checkText(raw: unknown, field: string): string {
  if (typeof raw !== 'string' || raw.trim().length === 0 || raw.length > TEXT_MAX_LENGTH) {
    throw ValidationError.of(field, `must be 1 to ${TEXT_MAX_LENGTH} characters`);
  }
  return raw;
}
