import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, IsInt, IsObject, Max, Min, ValidateNested } from 'class-validator';
import { IsUuidField } from '../common/uuid';

export const MAX_ORDER_LINES = 50;
export const MAX_LINE_QUANTITY = 1000;

/** One line of POST /orders: what and how many; the price comes from the catalog, never from here. */
export class OrderItemDto {
  @ApiProperty({ format: 'uuid' })
  @IsUuidField()
  productId: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_LINE_QUANTITY, example: 2 })
  @IsInt()
  @Min(1)
  @Max(MAX_LINE_QUANTITY)
  quantity: number;
}

/** POST /orders: 1..50 lines; two lines for one product are merged. */
export class PlaceOrderDto {
  @ApiProperty({ type: [OrderItemDto], minItems: 1, maxItems: MAX_ORDER_LINES })
  @IsDefined()
  @IsArray()
  @ArrayMinSize(1, { message: 'items must contain at least 1 item' })
  @ArrayMaxSize(MAX_ORDER_LINES, { message: `items must contain no more than ${MAX_ORDER_LINES} items` })
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  items: OrderItemDto[];
}
