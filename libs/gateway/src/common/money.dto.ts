import { ApiProperty } from '@nestjs/swagger';
import type { MoneyDto as MoneyContract } from '@tessera/contracts';
import { SUPPORTED_CURRENCIES } from '@tessera/shared-kernel';
import { IsIn, IsInt, Max, Min } from 'class-validator';

/** The largest price amount the API takes, in minor units; the catalog's own bound is higher, so this one is what a client meets. */
export const MAX_PRICE_AMOUNT = 2_147_483_647;

/**
 * Money in a response: integer minor units (cents) and a currency, never a
 * float. No upper bound: an order's total is up to 50 lines × 1000 units of
 * a price, far above any one price.
 */
export class MoneyDto implements MoneyContract {
  @ApiProperty({ type: 'integer', minimum: 0, example: 1999, description: 'Minor units (cents)' })
  amount: number;

  @ApiProperty({ enum: SUPPORTED_CURRENCIES, example: 'USD' })
  currency: string;

  static of(money: MoneyContract): MoneyDto {
    return Object.assign(new MoneyDto(), { amount: money.amount, currency: money.currency });
  }
}

/** A price as a client sends it: integer minor units from 0 to MAX_PRICE_AMOUNT, and a supported currency. */
export class PriceDto implements MoneyContract {
  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_PRICE_AMOUNT, example: 1999, description: 'Minor units (cents)' })
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_AMOUNT)
  amount: number;

  @ApiProperty({ enum: SUPPORTED_CURRENCIES, example: 'USD' })
  @IsIn(SUPPORTED_CURRENCIES)
  currency: string;
}
