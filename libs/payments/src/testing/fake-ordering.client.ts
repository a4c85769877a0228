import { randomUUID } from 'node:crypto';
import { ERROR_CODES, ORDERING_PATTERNS } from '@tessera/contracts';
import type { CancellationReason, ConfirmPaymentRequest, GetOrderRequest, OrderStatus, OrderView } from '@tessera/contracts';
import { ContextClient, RemoteError } from '@tessera/messaging';
import { nextTurn } from '@tessera/messaging/testing';

/**
 * The ordering context as payments sees it, for specs: get-order (another
 * user's order is ORDER_NOT_FOUND) and confirm-payment (idempotent for the
 * payment that confirmed the order, even once cancelled; ORDER_NOT_PAYABLE
 * for any other once the order is not awaiting payment),
 * through JSON as over a wire, with an event-loop turn per call.
 */
export class FakeOrderingClient {
  private readonly orders = new Map<string, OrderView & { paymentId?: string }>();
  readonly requests: { pattern: string; request: Record<string, unknown> }[] = [];
  private readonly confirmFailures: RemoteError[] = [];
  private readonly beforeConfirms: (() => Promise<unknown>)[] = [];

  /** An order awaiting payment (or in the given status), stored as ordering would have it. */
  givenOrder(options: { userId?: string; total?: number; status?: OrderStatus } = {}): OrderView {
    const now = new Date().toISOString();
    const total = { amount: options.total ?? 4200, currency: 'USD' };
    const order: OrderView = {
      id: randomUUID(),
      userId: options.userId ?? randomUUID(),
      status: options.status ?? 'AWAITING_PAYMENT',
      items: [{ productId: randomUUID(), sku: 'MUG-1', name: 'Mug', unitPrice: total, quantity: 1, lineTotal: total }],
      total,
      createdAt: now,
      updatedAt: now,
      expiresAt: new Date(Date.now() + 900_000).toISOString(),
    };
    this.orders.set(order.id, order);
    return clone(order);
  }

  /** Cancels (or expires) the order, as ordering's cancel or sweeper would. */
  cancel(orderId: string, reason: CancellationReason = 'CANCELLED_BY_CUSTOMER'): void {
    const order = this.orders.get(orderId)!;
    this.orders.set(orderId, { ...order, status: 'CANCELLED', cancellationReason: reason });
  }

  order(orderId: string): (OrderView & { paymentId?: string }) | undefined {
    const order = this.orders.get(orderId);
    return order && clone(order);
  }

  /** Makes the next confirm-payment answer this error. */
  failNextConfirm(error: RemoteError): void {
    this.confirmFailures.push(error);
  }

  /** Runs `before` when the next confirm-payment arrives, before ordering looks at the order. */
  beforeNextConfirm(before: () => Promise<unknown>): void {
    this.beforeConfirms.push(before);
  }

  patterns(): string[] {
    return this.requests.map((entry) => entry.pattern);
  }

  async send<TReply, TRequest = unknown>(pattern: string, request: TRequest): Promise<TReply> {
    const payload = clone(request) as Record<string, unknown>;
    this.requests.push({ pattern, request: payload });
    await nextTurn();
    switch (pattern) {
      case ORDERING_PATTERNS.GET_ORDER:
        return clone(this.getOrder(payload as unknown as GetOrderRequest)) as TReply;
      case ORDERING_PATTERNS.CONFIRM_PAYMENT:
        return clone(await this.confirmPayment(payload as unknown as ConfirmPaymentRequest)) as TReply;
      default:
        throw new RemoteError(ERROR_CODES.NO_HANDLER, `ordering serves no handler for ${pattern}`);
    }
  }

  asClient(): ContextClient {
    return this as unknown as ContextClient;
  }

  private getOrder({ orderId, requester }: GetOrderRequest): OrderView {
    const order = this.orders.get(orderId);
    if (!order || (!requester.isAdmin && order.userId !== requester.userId)) throw new RemoteError(ERROR_CODES.ORDER_NOT_FOUND, 'Order not found');
    const { paymentId: _paymentId, ...view } = order;
    return view;
  }

  private async confirmPayment({ orderId, paymentId }: ConfirmPaymentRequest): Promise<OrderView> {
    await this.beforeConfirms.shift()?.();
    const failure = this.confirmFailures.shift();
    if (failure) throw failure;
    const order = this.orders.get(orderId);
    if (!order) throw new RemoteError(ERROR_CODES.ORDER_NOT_FOUND, 'Order not found');
    if (order.paymentId === paymentId) return order;
    if (order.status !== 'AWAITING_PAYMENT') throw new RemoteError(ERROR_CODES.ORDER_NOT_PAYABLE, `Order ${orderId} is ${order.status}`);
    const confirmed = { ...order, status: 'CONFIRMED' as const, paymentId, updatedAt: new Date().toISOString() };
    this.orders.set(orderId, confirmed);
    return confirmed;
  }
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
