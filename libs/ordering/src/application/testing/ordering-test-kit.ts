import { randomUUID } from 'node:crypto';
import { RuntimeSettings, type RuntimeSettingName } from '@tessera/platform';
import { ERROR_CODES, OrderView, PAYMENTS_PATTERNS, UserView, USERS_PATTERNS } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';
import { CancelOrderHandler } from '../commands/cancel-order/cancel-order.handler';
import { ConfirmPaymentHandler } from '../commands/confirm-payment/confirm-payment.handler';
import { ExpireDueOrdersHandler } from '../commands/expire-due-orders/expire-due-orders.handler';
import { PlaceOrderCommand } from '../commands/place-order/place-order.command';
import { PlaceOrderHandler } from '../commands/place-order/place-order.handler';
import { RecoverPlacementsHandler } from '../commands/recover-placements/recover-placements.handler';
import { OnPaymentSucceededHandler } from '../event-handlers/on-payment-succeeded/on-payment-succeeded.handler';
import { OnReservationExpiredHandler } from '../event-handlers/on-reservation-expired/on-reservation-expired.handler';
import { OnUserDeactivatedHandler } from '../event-handlers/on-user-deactivated/on-user-deactivated.handler';
import { OrderPlacementSteps } from '../order-placement-steps';
import type { OrderPlacement, PlacementKey } from '../order-placements';
import { OrderingSettings } from '../ordering.settings';
import { PaymentRefunds } from '../payment-refunds';
import { GetOrderHandler } from '../queries/get-order/get-order.handler';
import { GetOrderHistoryHandler } from '../queries/get-order-history/get-order-history.handler';
import { ListOrdersHandler } from '../queries/list-orders/list-orders.handler';
import { StockReservations } from '../stock-reservations';
import { FakeCatalog } from './fake-catalog';
import { FakeClock } from './fake-clock';
import { FakeContextClient } from './fake-context-client';
import { InMemoryCustomers } from './in-memory-customers';
import { InMemoryOrderPlacementRepository } from './in-memory-order-placement.repository';
import { InMemoryOrderRepository } from './in-memory-order.repository';
import { FakeIdempotencyStore, FakeInbox, FakeOutbox } from '@tessera/messaging/testing';
import { RecentConfirmations } from '../recent-confirmations';

/** The payment timeout every kit runs with, in seconds. */
export const KIT_PAYMENT_TIMEOUT_SECONDS = 900;

/** Runtime settings as a process with this environment (and no CONFIG_FILE) has them. */
export function runtimeSettingsOf(env: Record<string, unknown>): RuntimeSettings {
  return RuntimeSettings.fromEnvironment(env);
}

/**
 * Every ordering handler wired to in-memory fakes: the repository and its
 * outbox, unfinished placements, the inbox, the idempotency store, a clock, and clients for users
 * (active customers by default), catalog (with real reservation rules) and
 * payments (refunds recorded).
 */
export function orderingTestKit() {
  const outbox = new FakeOutbox();
  const orders = new InMemoryOrderRepository(outbox);
  const inbox = new FakeInbox();
  const idempotency = new FakeIdempotencyStore();
  const clock = new FakeClock();
  const changedSettings: Record<string, unknown> = {};
  const started = runtimeSettingsOf({ ORDER_PAYMENT_TIMEOUT_SECONDS: KIT_PAYMENT_TIMEOUT_SECONDS });
  const runtime = { get: (name: RuntimeSettingName) => changedSettings[name] ?? started.get(name) } as unknown as RuntimeSettings;
  const settings = new OrderingSettings(runtime);
  const catalog = new FakeCatalog();
  const inactiveUsers = new Set<string>();
  const users = new FakeContextClient('users').answer(USERS_PATTERNS.GET_USER, ({ userId }) => {
    const id = String(userId);
    if (id === UNKNOWN_USER) throw new DomainError(ERROR_CODES.USER_NOT_FOUND, 'No such user');
    const user: UserView = {
      id,
      email: `${id}@example.com`,
      name: 'Ada',
      role: 'customer',
      status: inactiveUsers.has(id) ? 'inactive' : 'active',
      createdAt: '2029-01-01T00:00:00.000Z',
    };
    return user;
  });
  const payments = new FakeContextClient('payments').answer(PAYMENTS_PATTERNS.REFUND_ORDER, () => ({}));
  const reservations = new StockReservations(catalog.asClient());
  const refunds = new PaymentRefunds(payments.asClient());
  const customers = new InMemoryCustomers();
  const placements = new InMemoryOrderPlacementRepository(orders, idempotency, customers);
  const steps = new OrderPlacementSteps(placements, orders, reservations, settings);
  const recentConfirmations = new RecentConfirmations();

  const handlers = {
    placeOrder: new PlaceOrderHandler(placements, customers, users.asClient(), steps, idempotency.asStore(), settings, clock),
    onUserDeactivated: new OnUserDeactivatedHandler(customers),
    recoverPlacements: new RecoverPlacementsHandler(placements, steps, settings, clock),
    getOrder: new GetOrderHandler(orders),
    listOrders: new ListOrdersHandler(orders),
    cancelOrder: new CancelOrderHandler(orders, reservations, refunds, clock),
    getOrderHistory: new GetOrderHistoryHandler(orders),
    confirmPayment: new ConfirmPaymentHandler(orders, reservations, clock, recentConfirmations),
    expireDueOrders: new ExpireDueOrdersHandler(orders, reservations, clock),
    onPaymentSucceeded: new OnPaymentSucceededHandler(orders, inbox.asInbox(), outbox.asOutbox(), reservations, refunds, clock, recentConfirmations),
    onReservationExpired: new OnReservationExpiredHandler(orders, inbox.asInbox(), outbox.asOutbox(), clock),
  };

  return {
    orders,
    placements,
    steps,
    outbox,
    inbox,
    idempotency,
    clock,
    settings,
    catalog,
    users,
    payments,
    ...handlers,
    customers,
    /** Runtime settings change, as a saved CONFIG_FILE (or a restart with another environment) changes them. */
    changeSettings(values: { ORDER_PAYMENT_TIMEOUT_SECONDS?: number; REQUEST_TIMEOUT_MS?: number }): void {
      Object.assign(changedSettings, values);
    },
    /** Users deactivates the user, and ordering hears of it. */
    async deactivate(userId: string): Promise<void> {
      inactiveUsers.add(userId);
      await handlers.onUserDeactivated.execute({ eventId: randomUUID(), occurredAt: clock.now().toISOString(), version: 1, userId });
    },
    /** Users deactivates the user, and ordering has not heard of it yet. */
    deactivateUnheard(userId: string): void {
      inactiveUsers.add(userId);
    },
    /**
     * A placement of `quantity` units of `productId` for `userId`, begun (its intent stored, PLACING) as a request
     * begins it before it asks the catalog; with `key`, under that idempotency key.
     */
    async begunPlacement(userId: string, productId: string, quantity: number, options: { orderId?: string; key?: PlacementKey } = {}): Promise<OrderPlacement> {
      const placement: OrderPlacement = {
        orderId: options.orderId ?? randomUUID(),
        userId,
        lines: [{ productId, quantity }],
        stage: 'PLACING',
        createdAt: clock.now(),
        attempts: 0,
        paymentTimeoutSeconds: settings.paymentTimeoutSeconds,
      };
      const recoverAfter = new Date(clock.now().getTime() + settings.placementRecoveryAfterMs);
      const begun = await placements.begin(placement, recoverAfter, options.key && { ...options.key, request: { items: placement.lines } });
      if (begun !== 'begun') throw new Error(`The placement of ${placement.orderId} was not begun: ${begun}`);
      return placement;
    },
    /** A product with stock in the catalog; answers its id. */
    givenProduct(stock = 10, amount = 1250): string {
      return catalog.givenProduct({ stock, price: { amount, currency: 'USD' } });
    },
    /** An order placed by `userId` for `quantity` units of a new product; the catalog's calls so far are forgotten. */
    async givenOrder(userId: string = newUserId(), quantity = 2): Promise<OrderView & { productId: string }> {
      const productId = catalog.givenProduct({ stock: 10, price: { amount: 1250, currency: 'USD' } });
      const order = await handlers.placeOrder.execute(new PlaceOrderCommand(userId, [{ productId, quantity }]));
      catalog.calls.length = 0;
      outbox.published.length = 0;
      return { ...order, productId };
    },
  };
}

/** A user id the fake users context does not know. */
export const UNKNOWN_USER = '00000000-0000-4000-8000-000000000000';

export function newUserId(): string {
  return randomUUID();
}
