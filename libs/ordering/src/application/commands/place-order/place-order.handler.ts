import { Inject, Injectable, Logger } from '@nestjs/common';
import { ERROR_CODES, GetUserRequest, OrderView, ReservationView, USERS_PATTERNS, UserView } from '@tessera/contracts';
import { ContextClient, IdempotencyStore, InjectContextClient, RemoteError } from '@tessera/messaging';
import { ValidationError } from '@tessera/shared-kernel';
import { Order } from '../../../domain/order.aggregate';
import { CustomerCannotOrderError } from '../../../domain/order.errors';
import { isUuid, newOrderId } from '../../../domain/order-id';
import type { OrderLineInput } from '../../../domain/order-line.value-object';
import { ORDER_REPOSITORY, type OrderRepository } from '../../../domain/order.repository';
import { RequestedLine } from '../../../domain/requested-line.value-object';
import { Clock } from '../../clock';
import { OrderViewMapper } from '../../order-view.mapper';
import { OrderingSettings } from '../../ordering.settings';
import { ProcessManager } from '../../process-manager';
import { StockReservations } from '../../stock-reservations';
import { PlaceOrderCommand } from './place-order.command';

/** The operation name of place-order's idempotency keys. */
export const PLACE_ORDER_OPERATION = 'place-order';
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * ordering.place-order, as a process with a compensation for every step that
 * can fail after the stock is reserved:
 * 1. check and merge the items (VALIDATION_FAILED), before anything else;
 * 2. the user must exist and be active (users.get-user);
 * 3. reserve every line in the catalog under the new order's id, all or none
 *    (INSUFFICIENT_STOCK, PRODUCT_NOT_FOUND passed on) -- undone by releasing it;
 * 4. place the order, priced by the catalog, and store it with its first
 *    stream event and ordering.order.placed in one transaction.
 * Nothing is sent to another context while a transaction is open.
 */
@Injectable()
export class PlaceOrderHandler {
  private readonly logger = new Logger('Ordering');

  constructor(
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    @InjectContextClient('users') private readonly users: ContextClient,
    private readonly reservations: StockReservations,
    private readonly idempotency: IdempotencyStore,
    private readonly settings: OrderingSettings,
    private readonly clock: Clock,
  ) {}

  async execute(command: PlaceOrderCommand): Promise<OrderView> {
    const lines = RequestedLine.listFrom(command.items);
    // The user id comes from a verified token; one that is no UUID names no user, and must not reach SQL.
    if (!isUuid(command.userId)) throw new CustomerCannotOrderError();
    const userId = command.userId.toLowerCase();
    if (command.idempotencyKey === undefined || command.idempotencyKey === null) return this.place(userId, lines);

    const key = checkIdempotencyKey(command.idempotencyKey);
    const request = { items: lines.map((line) => line.toJSON()) };
    return this.idempotency.run({ userId, key, operation: PLACE_ORDER_OPERATION }, request, () => this.place(userId, lines));
  }

  private async place(userId: string, requested: readonly RequestedLine[]): Promise<OrderView> {
    await this.assertMayOrder(userId);
    const orderId = newOrderId();
    const process = new ProcessManager(`place-order ${orderId}`, this.logger);
    return process.run(async () => {
      const reservation = await process.step('reserve stock', () => this.reservations.reserve(orderId, requested), {
        undo: () => this.reservations.release(orderId),
        alsoWhenFailed: (error) => !StockReservations.reservedNothing(error),
      });
      const order = placeFromReservation(orderId, userId, requested, reservation, this.settings.paymentTimeoutSeconds, this.clock.now());
      await process.step('store the order', () => this.orders.save(order));
      return OrderViewMapper.toView(order.toSnapshot());
    });
  }

  private async assertMayOrder(userId: string): Promise<void> {
    let user: UserView;
    try {
      user = await this.users.send<UserView, GetUserRequest>(USERS_PATTERNS.GET_USER, { userId });
    } catch (error) {
      if (error instanceof RemoteError && error.code === ERROR_CODES.USER_NOT_FOUND) throw new CustomerCannotOrderError();
      throw error;
    }
    if (user?.status !== 'active') throw new CustomerCannotOrderError();
  }
}

function checkIdempotencyKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw ValidationError.of('idempotencyKey', `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  return key;
}

/**
 * The order, priced by the reservation. A reservation that does not hold
 * exactly what was asked for, or that this order cannot hold, is a broken
 * contract, not the customer's mistake: it fails as an unexpected error
 * (INTERNAL), and the reservation is released.
 */
function placeFromReservation(
  orderId: string,
  userId: string,
  requested: readonly RequestedLine[],
  reservation: ReservationView,
  paymentTimeoutSeconds: number,
  now: Date,
): Order {
  const reserved = new Map((reservation?.lines ?? []).map((line) => [String(line.productId).toLowerCase(), line]));
  const lines: OrderLineInput[] = requested.map((wanted) => {
    const line = reserved.get(wanted.productId);
    if (!line || line.quantity !== wanted.quantity || reserved.size !== requested.length) {
      throw new Error(`Reservation ${orderId} does not hold what the order asked for`);
    }
    return { productId: wanted.productId, sku: line.sku, name: line.name, unitPrice: line.unitPrice, quantity: line.quantity };
  });
  try {
    return Order.place({ id: orderId, userId, lines, paymentTimeoutSeconds, now });
  } catch (error) {
    if (error instanceof ValidationError) throw new Error(`Reservation ${orderId} holds lines an order cannot: ${error.message}`);
    throw error;
  }
}
