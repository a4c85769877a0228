import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

const DEFAULT_PAYMENT_TIMEOUT_SECONDS = 900;

/** The ordering context's configuration, read once at start. */
@Injectable()
export class OrderingSettings {
  /** ORDER_PAYMENT_TIMEOUT_SECONDS: how long an order waits for its payment before it expires. */
  readonly paymentTimeoutSeconds: number;

  constructor(config: ConfigService) {
    const configured = Number(config.get<number | string>('ORDER_PAYMENT_TIMEOUT_SECONDS') ?? DEFAULT_PAYMENT_TIMEOUT_SECONDS);
    if (!Number.isSafeInteger(configured) || configured < 1) {
      throw new Error(`ORDER_PAYMENT_TIMEOUT_SECONDS must be a positive integer, not ${configured}`);
    }
    this.paymentTimeoutSeconds = configured;
  }
}
