import { AggregateRoot, FieldProblem, Money, ValidationError } from '@tessera/shared-kernel';
import { OrderCancelledDomainEvent } from './order-cancelled.domain-event';
import { OrderConfirmedDomainEvent } from './order-confirmed.domain-event';
import type { OrderDomainEvent } from './order-domain-events';
import { OrderNotCancellableError, OrderNotPayableError } from './order.errors';
import { isUuid } from './order-id';
import { ORDER_LIMITS } from './order-limits';
import { OrderLine, OrderLineInput } from './order-line.value-object';
import { OrderPlacedDomainEvent } from './order-placed.domain-event';
import type { CancellationReason, OrderStatus } from './order-status';

/** What it takes to place an order: the lines as the catalog priced and reserved them. */
export interface PlaceOrderProps {
  id: string;
  userId: string;
  lines: readonly OrderLineInput[];
  /** How long the order waits for its payment before it expires. */
  paymentTimeoutSeconds: number;
  now?: Date;
}

/** Everything an order is now, as its projection row stores it. */
export interface OrderSnapshot {
  id: string;
  userId: string;
  status: OrderStatus;
  lines: OrderLine[];
  total: Money;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  cancellationReason?: CancellationReason;
  paymentId?: string;
  /** The version of the order's stream: the number of events in it. */
  version: number;
}

/** Who may cancel an order by asking; expiry has its own verb. */
export type RequestedCancellation = Exclude<CancellationReason, 'PAYMENT_EXPIRED'>;

type OrderState = Omit<OrderSnapshot, 'version'>;

/**
 * An order of a customer, event-sourced: every change is an event of the
 * order's own stream (OrderPlaced, OrderConfirmed, OrderCancelled), versioned
 * from 1, and the state is what those events add up to.
 *
 * AWAITING_PAYMENT -> CONFIRMED (paid in time) or CANCELLED (by the customer,
 * an admin, or expiry); CONFIRMED -> CANCELLED (refunded); CANCELLED is final.
 */
export class Order extends AggregateRoot<OrderDomainEvent> {
  private state!: OrderState;
  private currentVersion = 0;
  private loadedVersion = 0;
  private readonly events: OrderDomainEvent[] = [];
  private historyKnown = true;

  private constructor() {
    super();
  }

  /**
   * A new order awaiting payment until now + the payment timeout. Lines of
   * one product are merged; 1..50 lines, quantities 1..1000.
   */
  static place(props: PlaceOrderProps): Order {
    const now = new Date(props.now ?? new Date());
    if (!isUuid(props.id)) throw new RangeError('An order id is a UUID');
    if (typeof props.userId !== 'string' || props.userId.length === 0) throw ValidationError.of('userId', 'must be a user id');
    if (!Number.isSafeInteger(props.paymentTimeoutSeconds) || props.paymentTimeoutSeconds < 1) {
      throw new RangeError('The payment timeout is a positive number of seconds');
    }
    const lines = checkLines(props.lines);
    const total = lines.reduce((sum, line) => sum.add(line.lineTotal), Money.zero(lines[0].unitPrice.currency));
    const expiresAt = new Date(now.getTime() + props.paymentTimeoutSeconds * 1000);

    const order = new Order();
    order.raise(new OrderPlacedDomainEvent(props.id.toLowerCase(), 1, now, props.userId, lines, total, expiresAt));
    return order;
  }

  /** Rebuilds an order from its stream, oldest event first; records nothing. */
  static fromHistory(events: readonly OrderDomainEvent[]): Order {
    if (events.length === 0) throw new RangeError('An order stream has at least its OrderPlaced event');
    const order = new Order();
    for (const event of events) order.apply(event);
    order.loadedVersion = order.currentVersion;
    return order;
  }

  /**
   * The order as its projection holds it, the sum of its stream kept in step
   * with it, ready to change without reading the stream; its `history` is not
   * known then.
   */
  static fromSnapshot(snapshot: OrderSnapshot): Order {
    const { version, ...state } = snapshot;
    if (!Number.isSafeInteger(version) || version < 1) throw new RangeError('An order snapshot has the version of its stream, from 1');
    const order = new Order();
    order.state = {
      ...state,
      lines: [...state.lines],
      createdAt: new Date(state.createdAt),
      updatedAt: new Date(state.updatedAt),
      expiresAt: new Date(state.expiresAt),
    };
    order.currentVersion = version;
    order.loadedVersion = version;
    order.historyKnown = false;
    return order;
  }

  get id(): string {
    return this.state.id;
  }

  get userId(): string {
    return this.state.userId;
  }

  get status(): OrderStatus {
    return this.state.status;
  }

  get lines(): readonly OrderLine[] {
    return this.state.lines;
  }

  get total(): Money {
    return this.state.total;
  }

  get createdAt(): Date {
    return new Date(this.state.createdAt);
  }

  get updatedAt(): Date {
    return new Date(this.state.updatedAt);
  }

  get expiresAt(): Date {
    return new Date(this.state.expiresAt);
  }

  get cancellationReason(): CancellationReason | undefined {
    return this.state.cancellationReason;
  }

  /** The payment that paid the order, if one did (it stays known after a cancellation, which refunds it). */
  get paymentId(): string | undefined {
    return this.state.paymentId;
  }

  /** The version of the stream with every event of this order applied, the unsaved ones included. */
  get version(): number {
    return this.currentVersion;
  }

  /** The version the stream had when this order was loaded (0 for a new order): a save appends after it, or loses. */
  get storedVersion(): number {
    return this.loadedVersion;
  }

  /** Every event of the order, oldest first, the unsaved ones included; only for an order rebuilt from its stream. */
  get history(): readonly OrderDomainEvent[] {
    if (!this.historyKnown) throw new Error(`Order ${this.id} was loaded from its projection: load it from its stream to read its history`);
    return [...this.events];
  }

  /** Awaiting payment with its payment time over: the order can only expire now. */
  isPastDue(now: Date = new Date()): boolean {
    return this.state.status === 'AWAITING_PAYMENT' && now.getTime() >= this.state.expiresAt.getTime();
  }

  /**
   * The order is paid by `paymentId`. Answers false, recording nothing, when
   * this very payment confirmed it already, even if it was cancelled since:
   * that confirmation happened, and the cancellation refunds it on its own.
   * ORDER_NOT_PAYABLE when it was cancelled unpaid, when its payment time is
   * over (expire it), or when another payment paid it.
   */
  confirm(paymentId: string, now: Date = new Date()): boolean {
    if (typeof paymentId !== 'string' || paymentId.trim().length === 0) throw ValidationError.of('paymentId', 'must be a payment id');
    switch (this.state.status) {
      case 'CONFIRMED':
        if (this.state.paymentId === paymentId) return false;
        throw new OrderNotPayableError('it is paid already');
      case 'CANCELLED':
        if (this.state.paymentId === paymentId) return false;
        throw new OrderNotPayableError('it is cancelled');
      case 'AWAITING_PAYMENT':
        if (this.isPastDue(now)) throw new OrderNotPayableError('its time to pay is over');
    }
    this.raise(new OrderConfirmedDomainEvent(this.id, this.currentVersion + 1, new Date(now), paymentId));
    return true;
  }

  /** Cancels an order awaiting payment or paid (which is then to be refunded); ORDER_NOT_CANCELLABLE once cancelled. */
  cancel(reason: RequestedCancellation, now: Date = new Date()): void {
    if (reason !== 'CANCELLED_BY_CUSTOMER' && reason !== 'CANCELLED_BY_ADMIN') throw new RangeError(`${reason} is not a cancellation one can ask for`);
    if (this.state.status === 'CANCELLED') throw new OrderNotCancellableError();
    this.raise(new OrderCancelledDomainEvent(this.id, this.currentVersion + 1, new Date(now), reason));
  }

  /**
   * Cancels the order with PAYMENT_EXPIRED when it still awaits payment and
   * its time is over; otherwise changes nothing. Answers whether it expired
   * it, so that of two sweepers, or a sweeper and a payment, one wins.
   */
  expire(now: Date = new Date()): boolean {
    if (!this.isPastDue(now)) return false;
    this.raise(new OrderCancelledDomainEvent(this.id, this.currentVersion + 1, new Date(now), 'PAYMENT_EXPIRED'));
    return true;
  }

  /**
   * Expires (PAYMENT_EXPIRED) an order still awaiting payment whose stock was
   * given back, whether or not its time is over: paid, it would be sold
   * without the units to deliver. Otherwise changes nothing; answers whether
   * it expired it.
   */
  expireForLostStock(now: Date = new Date()): boolean {
    if (this.state.status !== 'AWAITING_PAYMENT') return false;
    this.raise(new OrderCancelledDomainEvent(this.id, this.currentVersion + 1, new Date(now), 'PAYMENT_EXPIRED'));
    return true;
  }

  /** Called by the repository once the recorded events are stored. */
  markStored(): void {
    this.loadedVersion = this.currentVersion;
  }

  toSnapshot(): OrderSnapshot {
    return {
      ...this.state,
      lines: [...this.state.lines],
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
      expiresAt: this.expiresAt,
      version: this.currentVersion,
    };
  }

  private raise(event: OrderDomainEvent): void {
    this.apply(event);
    this.record(event);
  }

  private apply(event: OrderDomainEvent): void {
    if (event.version !== this.currentVersion + 1) {
      throw new RangeError(`Event ${event.version} of order ${event.aggregateId} does not follow version ${this.currentVersion}`);
    }
    if (event.type === 'OrderPlaced') {
      if (this.currentVersion !== 0) throw new RangeError(`Order ${event.aggregateId} is placed only once`);
      this.state = {
        id: event.aggregateId,
        userId: event.userId,
        status: 'AWAITING_PAYMENT',
        lines: [...event.lines],
        total: event.total,
        createdAt: new Date(event.occurredAt),
        updatedAt: new Date(event.occurredAt),
        expiresAt: new Date(event.expiresAt),
      };
    } else {
      if (this.currentVersion === 0 || event.aggregateId !== this.state.id) {
        throw new RangeError(`Event ${event.version} (${event.type}) does not belong to this order's stream`);
      }
      if (this.state.status === 'CANCELLED') throw new RangeError(`Order ${this.id} is cancelled: nothing follows`);
      if (event.type === 'OrderConfirmed') {
        if (this.state.status !== 'AWAITING_PAYMENT') throw new RangeError(`Order ${this.id} is confirmed once`);
        this.state.status = 'CONFIRMED';
        this.state.paymentId = event.paymentId;
      } else {
        this.state.status = 'CANCELLED';
        this.state.cancellationReason = event.reason;
      }
      this.state.updatedAt = new Date(event.occurredAt);
    }
    this.currentVersion = event.version;
    this.events.push(event);
  }
}

/** The lines checked one by one (every problem reported at once), then merged per product. */
function checkLines(inputs: readonly OrderLineInput[]): OrderLine[] {
  const { maxLines } = ORDER_LIMITS;
  if (!Array.isArray(inputs) || inputs.length === 0 || inputs.length > maxLines) {
    throw ValidationError.of('lines', `must be 1 to ${maxLines} lines`);
  }
  const problems: FieldProblem[] = [];
  const lines: OrderLine[] = [];
  inputs.forEach((input, index) => {
    try {
      lines.push(OrderLine.of(input, `lines.${index}`));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(...error.problems);
    }
  });
  if (problems.length > 0) throw new ValidationError(problems);

  const merged = new Map<string, OrderLine>();
  for (const line of lines) {
    const earlier = merged.get(line.productId);
    merged.set(line.productId, earlier ? earlier.mergedWith(line) : line);
  }
  return [...merged.values()];
}
