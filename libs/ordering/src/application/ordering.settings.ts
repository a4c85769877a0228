import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

const DEFAULT_PAYMENT_TIMEOUT_SECONDS = 900;
const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
/** A live placement asks users, then catalog (and, failing, catalog again to release): each call may take a request timeout. */
const REQUEST_TIMEOUTS_PER_PLACEMENT = 3;
/** The least time the catalog keeps an order's stock past its payment timeout, for the confirmation's commit to arrive. */
const MIN_RESERVATION_GRACE_SECONDS = 60;

/** The ordering context's configuration, read once at start. */
@Injectable()
export class OrderingSettings {
  /** ORDER_PAYMENT_TIMEOUT_SECONDS: how long an order waits for its payment before it expires. */
  readonly paymentTimeoutSeconds: number;
  /** After this long a placement that has not ended belongs to a request that died, and recovery takes it up. */
  readonly placementRecoveryAfterMs: number;
  /**
   * How long the catalog is asked to hold an order's stock before it releases
   * it by itself: the payment timeout, and as long again (at least a minute)
   * for a confirmation made in time to commit it.
   */
  readonly reservationHoldSeconds: number;

  constructor(config: ConfigService) {
    const configured = Number(config.get<number | string>('ORDER_PAYMENT_TIMEOUT_SECONDS') ?? DEFAULT_PAYMENT_TIMEOUT_SECONDS);
    if (!Number.isSafeInteger(configured) || configured < 1) {
      throw new Error(`ORDER_PAYMENT_TIMEOUT_SECONDS must be a positive integer, not ${configured}`);
    }
    this.paymentTimeoutSeconds = configured;
    const requestTimeoutMs = Number(config.get<number | string>('REQUEST_TIMEOUT_MS') ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.placementRecoveryAfterMs = REQUEST_TIMEOUTS_PER_PLACEMENT * (Number.isSafeInteger(requestTimeoutMs) && requestTimeoutMs > 0 ? requestTimeoutMs : DEFAULT_REQUEST_TIMEOUT_MS);
    this.reservationHoldSeconds = configured + Math.max(MIN_RESERVATION_GRACE_SECONDS, configured);
  }
}
