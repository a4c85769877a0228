import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, IsString, Matches, ValidateNested } from 'class-validator';
import { PriceDto } from '../common/money.dto';
import { IsOptionalField, MaxTextLength, TextLength } from '../common/validation.decorators';
import { MAX_DESCRIPTION_LENGTH } from './create-product.dto';

/** PATCH /products/:id (admin): only the fields present change; stock changes go through stock adjustments. */
export class UpdateProductDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, description: 'Trimmed; not blank, no control characters' })
  @IsOptionalField()
  @IsString()
  @TextLength(1, 200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name?: string;

  @ApiPropertyOptional({ maxLength: MAX_DESCRIPTION_LENGTH, description: 'Trimmed; line breaks and tabs are the only control characters taken' })
  @IsOptionalField()
  @IsString()
  @MaxTextLength(MAX_DESCRIPTION_LENGTH)
  description?: string;

  @ApiPropertyOptional({ type: PriceDto })
  @IsOptionalField()
  @IsObject()
  @ValidateNested()
  @Type(() => PriceDto)
  price?: PriceDto;
}
