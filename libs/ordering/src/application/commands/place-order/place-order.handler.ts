import { Inject, Injectable } from '@nestjs/common';
import { ERROR_CODES, GetUserRequest, OrderView, USERS_PATTERNS, UserView } from '@tessera/contracts';
import { ContextClient, IdempotencyStore, idempotencyKeyOf, InjectContextClient, keyInUseError, RemoteError } from '@tessera/messaging';
import { faultPoint } from '@tessera/shared-kernel';
import { CustomerCannotOrderError } from '../../../domain/order.errors';
import { isUuid, newOrderId } from '../../../domain/order-id';
import { RequestedLine } from '../../../domain/requested-line.value-object';
import { Clock } from '../../clock';
import { CUSTOMERS, type Customers, type CustomerStanding } from '../../customers';
import { OrderPlacementSteps } from '../../order-placement-steps';
import { ORDER_PLACEMENT_REPOSITORY, type OrderPlacement, type OrderPlacementRepository, type PlacementKey } from '../../order-placements';
import { OrderingSettings } from '../../ordering.settings';
import { PlaceOrderCommand } from './place-order.command';

/** The operation name of place-order's idempotency keys. */
export const PLACE_ORDER_OPERATION = 'place-order';

/**
 * ordering.place-order, a saga whose every step is durable before the next
 * one acts (ADR 0005):
 * 1. check and merge the items (VALIDATION_FAILED);
 * 2. store the intent, PLACING, with the key claimed in the same statement,
 *    if the user is an active customer (Customers, ADR 0015); a user ordering
 *    for the first time is asked of users (users.get-user) and remembered,
 *    and the intent tried again;
 * 3. reserve and store the order (OrderPlacementSteps).
 * A known Idempotency-Key is answered from what it recorded, whatever step 2
 * finds: it is looked up only when the intent was not stored, so that a new
 * key, nearly every request, costs no read. A crash at any point leaves the
 * intent for recovery (RecoverPlacementsHandler), which finishes or undoes it
 * and answers the key; a key is never run twice.
 */
@Injectable()
export class PlaceOrderHandler {
  constructor(
    @Inject(ORDER_PLACEMENT_REPOSITORY) private readonly placements: OrderPlacementRepository,
    @Inject(CUSTOMERS) private readonly customers: Customers,
    @InjectContextClient('users') private readonly users: ContextClient,
    private readonly steps: OrderPlacementSteps,
    private readonly idempotency: IdempotencyStore,
    private readonly settings: OrderingSettings,
    private readonly clock: Clock,
  ) {}

  async execute(command: PlaceOrderCommand): Promise<OrderView> {
    const lines = RequestedLine.listFrom(command.items).map((line) => line.toJSON());
    // The user id comes from a verified token; one that is no UUID names no user, and must not reach SQL.
    if (!isUuid(command.userId)) throw new CustomerCannotOrderError();
    const userId = command.userId.toLowerCase();
    const rawKey = idempotencyKeyOf(command.idempotencyKey);
    const key: PlacementKey | undefined =
      rawKey === undefined ? undefined : { scope: { userId, key: rawKey, operation: PLACE_ORDER_OPERATION }, request: { items: lines } };
    const now = this.clock.now();
    const placement: OrderPlacement = {
      orderId: newOrderId(),
      userId,
      lines,
      stage: 'PLACING',
      createdAt: now,
      attempts: 0,
      paymentTimeoutSeconds: this.settings.paymentTimeoutSeconds,
    };
    const recoverAfter = new Date(now.getTime() + this.settings.placementRecoveryAfterMs);
    let start = await this.placements.begin(placement, recoverAfter, key);
    if (start === 'customer-unknown') {
      let standing: CustomerStanding;
      try {
        standing = await this.learnCustomer(userId);
      } catch (error) {
        if (key) return this.replayOr(key, error);
        throw error;
      }
      start = standing === 'active' ? await this.placements.begin(placement, recoverAfter, key) : 'customer-inactive';
    }
    if (start === 'key-taken') {
      // The key was claimed before, by this request's first try or one running now: its answer is this one's.
      const replayed = await this.idempotency.replay<OrderView>(key!.scope, key!.request);
      if (replayed) return replayed.value;
      // Claimed, then gone before its answer could be read: that request failed without one and its placement, given
      // up, freed the key. This request is the key's first now.
      start = await this.placements.begin(placement, recoverAfter, key);
      if (start === 'key-taken') return this.replayOr(key!, keyInUseError());
    }
    if (start !== 'begun') {
      // A user deactivated since still gets the answer their key recorded.
      if (key) return this.replayOr(key, new CustomerCannotOrderError());
      throw new CustomerCannotOrderError();
    }
    // Killed here: the intent and the key are stored and nothing was asked of the catalog; recovery places the order.
    faultPoint('place-order:after-intent');
    return this.steps.carryOut(placement);
  }

  /** The answer the key recorded (or its refusal, IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_USE); `failure` when it recorded none. */
  private async replayOr(key: PlacementKey, failure: unknown): Promise<OrderView> {
    const replayed = await this.idempotency.replay<OrderView>(key.scope, key.request);
    if (replayed) return replayed.value;
    throw failure;
  }

  /**
   * Asks users about a user ordering for the first time, and remembers the
   * answer; a user users does not know may not order, and is not remembered.
   * Killed after users answered and before the answer is stored: nothing of
   * the order is stored either, and the client's retry asks again.
   */
  private async learnCustomer(userId: string): Promise<CustomerStanding> {
    let user: UserView;
    try {
      user = await this.users.send<UserView, GetUserRequest>(USERS_PATTERNS.GET_USER, { userId });
    } catch (error) {
      if (error instanceof RemoteError && error.code === ERROR_CODES.USER_NOT_FOUND) throw new CustomerCannotOrderError();
      throw error;
    }
    const standing: CustomerStanding = user?.status === 'active' ? 'active' : 'inactive';
    await this.customers.record(userId, standing);
    return standing;
  }
}
