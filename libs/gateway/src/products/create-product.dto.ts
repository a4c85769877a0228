import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CreateProductRequest } from '@tessera/contracts';
import { Type } from 'class-transformer';
import { IsDefined, IsInt, IsObject, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { PriceDto } from '../common/money.dto';
import { IsOptionalField, MaxTextLength, TextLength } from '../common/validation.decorators';

export const MAX_DESCRIPTION_LENGTH = 2000;
/** The most units of one product the catalog holds (its own limit); stock and stock adjustments stay within it. */
export const MAX_STOCK = 1_000_000_000;
/** What the catalog takes as a SKU. */
export const SKU_PATTERN = /^[A-Za-z0-9._-]+$/;

/** POST /products (admin). */
export class CreateProductDto implements CreateProductRequest {
  @ApiProperty({
    minLength: 1,
    maxLength: 64,
    pattern: SKU_PATTERN.source,
    example: 'TEE-BLK-M',
    description: 'Unique, compared case-insensitively; letters, digits, ".", "_" and "-"',
  })
  @IsString()
  @TextLength(1, 64)
  @Matches(SKU_PATTERN, { message: 'sku may contain only letters, digits, ".", "_" and "-"' })
  sku: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Black T-shirt, M', description: 'Trimmed; not blank, no control characters' })
  @IsString()
  @TextLength(1, 200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiPropertyOptional({ maxLength: MAX_DESCRIPTION_LENGTH, default: '', description: 'Trimmed; line breaks and tabs are the only control characters taken' })
  @IsOptionalField()
  @IsString()
  @MaxTextLength(MAX_DESCRIPTION_LENGTH)
  description?: string;

  @ApiProperty({ type: PriceDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PriceDto)
  price: PriceDto;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_STOCK, description: 'Units in stock to start with' })
  @IsInt()
  @Min(0)
  @Max(MAX_STOCK)
  stock: number;
}
