import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CreateProductRequest } from '@tessera/contracts';
import { Type } from 'class-transformer';
import { IsDefined, IsInt, IsObject, IsString, Length, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { MAX_INT32, MoneyDto } from '../common/money.dto';
import { IsOptionalField } from '../common/validation.decorators';

export const MAX_DESCRIPTION_LENGTH = 2000;

/** POST /products (admin). */
export class CreateProductDto implements CreateProductRequest {
  @ApiProperty({ minLength: 1, maxLength: 64, pattern: '^\\S+$', example: 'TEE-BLK-M', description: 'Unique; no spaces' })
  @IsString()
  @Length(1, 64)
  @Matches(/^\S+$/, { message: 'sku must not contain spaces' })
  sku: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Black T-shirt, M' })
  @IsString()
  @Length(1, 200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiPropertyOptional({ maxLength: MAX_DESCRIPTION_LENGTH, default: '' })
  @IsOptionalField()
  @IsString()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  description?: string;

  @ApiProperty({ type: MoneyDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  price: MoneyDto;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_INT32, description: 'Units in stock to start with' })
  @IsInt()
  @Min(0)
  @Max(MAX_INT32)
  stock: number;
}
