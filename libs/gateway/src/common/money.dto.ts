import { ApiProperty } from '@nestjs/swagger';
import type { MoneyDto as MoneyContract } from '@tessera/contracts';
import { IsIn, IsInt, Max, Min } from 'class-validator';

export const SUPPORTED_CURRENCIES = ['USD'] as const;
/** Largest amount or quantity the API takes: what a Postgres integer column holds. */
export const MAX_INT32 = 2_147_483_647;

/** Money in a request or response: integer minor units (cents) and a currency, never a float. */
export class MoneyDto implements MoneyContract {
  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_INT32, example: 1999, description: 'Minor units (cents)' })
  @IsInt()
  @Min(0)
  @Max(MAX_INT32)
  amount: number;

  @ApiProperty({ enum: SUPPORTED_CURRENCIES, example: 'USD' })
  @IsIn(SUPPORTED_CURRENCIES)
  currency: string;

  static of(money: MoneyContract): MoneyDto {
    return Object.assign(new MoneyDto(), { amount: money.amount, currency: money.currency });
  }
}
