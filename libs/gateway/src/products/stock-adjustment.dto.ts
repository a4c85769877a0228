import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min, NotEquals } from 'class-validator';
import { MAX_STOCK } from './create-product.dto';

/** POST /products/:id/stock-adjustments (admin): goods received (positive) or written off (negative). */
export class StockAdjustmentDto {
  @ApiProperty({
    type: 'integer',
    minimum: -MAX_STOCK,
    maximum: MAX_STOCK,
    not: { enum: [0] },
    example: 25,
    description: `Non-zero. The stock it leaves must be 0 to ${MAX_STOCK}: below 0 is 409 INSUFFICIENT_STOCK, above is 400 VALIDATION_FAILED`,
  })
  @IsInt()
  @NotEquals(0, { message: '$property must not be 0' })
  @Min(-MAX_STOCK)
  @Max(MAX_STOCK)
  delta: number;
}
