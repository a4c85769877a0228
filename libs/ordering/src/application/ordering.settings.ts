import { Injectable, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { RuntimeSettings } from '@tessera/platform';

const DEFAULT_PAYMENT_TIMEOUT_SECONDS = 900;
const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
/** A live placement asks users, then catalog (and, failing, catalog again to release): each call may take a request timeout. */
const REQUEST_TIMEOUTS_PER_PLACEMENT = 3;
/** The least time the catalog keeps an order's stock past its payment timeout, for the confirmation's commit to arrive. */
const MIN_RESERVATION_GRACE_SECONDS = 60;

/**
 * The ordering context's configuration. The payment and request timeouts are
 * runtime settings: when the process has them (RuntimeSettings), each read
 * gives the value of the moment, so a changed CONFIG_FILE holds from the next
 * order placed; an order being placed keeps the payment timeout its placement
 * was begun with, and an order placed the expiry it was given.
 */
@Injectable()
export class OrderingSettings {
  private readonly paymentTimeoutAtStart: number;
  private readonly requestTimeoutMsAtStart: number;

  constructor(
    config: ConfigService,
    @Optional() private readonly runtime?: RuntimeSettings,
  ) {
    const configured = Number(config.get<number | string>('ORDER_PAYMENT_TIMEOUT_SECONDS') ?? DEFAULT_PAYMENT_TIMEOUT_SECONDS);
    if (!Number.isSafeInteger(configured) || configured < 1) {
      throw new Error(`ORDER_PAYMENT_TIMEOUT_SECONDS must be a positive integer, not ${configured}`);
    }
    this.paymentTimeoutAtStart = configured;
    const requestTimeoutMs = Number(config.get<number | string>('REQUEST_TIMEOUT_MS') ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.requestTimeoutMsAtStart = Number.isSafeInteger(requestTimeoutMs) && requestTimeoutMs > 0 ? requestTimeoutMs : DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /** ORDER_PAYMENT_TIMEOUT_SECONDS: how long an order waits for its payment before it expires. */
  get paymentTimeoutSeconds(): number {
    return this.runtime?.get('ORDER_PAYMENT_TIMEOUT_SECONDS') ?? this.paymentTimeoutAtStart;
  }

  /** After this long a placement that has not ended belongs to a request that died, and recovery takes it up. */
  get placementRecoveryAfterMs(): number {
    return REQUEST_TIMEOUTS_PER_PLACEMENT * (this.runtime?.get('REQUEST_TIMEOUT_MS') ?? this.requestTimeoutMsAtStart);
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
