import { Injectable } from '@nestjs/common';
import { RuntimeSettings } from '@tessera/platform';

/** A live placement asks users, then catalog (and, failing, catalog again to release): each call may take a request timeout. */
const REQUEST_TIMEOUTS_PER_PLACEMENT = 3;
/** The least time the catalog keeps an order's stock past its payment timeout, for the confirmation's commit to arrive. */
const MIN_RESERVATION_GRACE_SECONDS = 60;

/**
 * The ordering context's configuration. The payment and request timeouts are
 * runtime settings: each read gives the value of the moment, so a changed CONFIG_FILE holds from the next
 * order placed; an order being placed keeps the payment timeout its placement
 * was begun with, and an order placed the expiry it was given.
 */
@Injectable()
export class OrderingSettings {
  constructor(private readonly runtime: RuntimeSettings) {}

  /** ORDER_PAYMENT_TIMEOUT_SECONDS: how long an order waits for its payment before it expires. */
  get paymentTimeoutSeconds(): number {
    return this.runtime.get('ORDER_PAYMENT_TIMEOUT_SECONDS');
  }

  /** After this long a placement that has not ended belongs to a request that died, and recovery takes it up. */
  get placementRecoveryAfterMs(): number {
    return REQUEST_TIMEOUTS_PER_PLACEMENT * this.runtime.get('REQUEST_TIMEOUT_MS');
  }

  /**
   * How long recovery keeps a placement it took from every other instance:
   * its work on one (a reservation, and its release if that fails) waits on
   * the catalog at most twice, and is given as long as a live request is.
   */
  get placementRecoveryLeaseMs(): number {
    return this.placementRecoveryAfterMs;
  }

  /**
   * How long the catalog is asked to hold the stock of an order that waits
   * `paymentTimeoutSeconds` for its payment before it releases it by itself:
   * that long, and as long again (at least a minute) for a confirmation made
   * in time to commit it.
   */
  reservationHoldSecondsFor(paymentTimeoutSeconds: number): number {
    return paymentTimeoutSeconds + Math.max(MIN_RESERVATION_GRACE_SECONDS, paymentTimeoutSeconds);
  }
}
