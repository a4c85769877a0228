import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min, NotEquals } from 'class-validator';
import { MAX_INT32 } from '../common/money.dto';

/** POST /products/:id/stock-adjustments (admin): goods received (positive) or written off (negative). */
export class StockAdjustmentDto {
  @ApiProperty({ type: 'integer', minimum: -MAX_INT32, maximum: MAX_INT32, not: { enum: [0] }, example: 25, description: 'Non-zero' })
  @IsInt()
  @NotEquals(0)
  @Min(-MAX_INT32)
  @Max(MAX_INT32)
  delta: number;
}
