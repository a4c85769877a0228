import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { PaginationQueryDto } from '../common/pagination.dto';
import { IsOptionalField, MaxTextLength } from '../common/validation.decorators';

/** GET /products?q=&page=&limit= */
export class ListProductsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ maxLength: 200, description: 'A case-insensitive substring of the name, taken literally (no pattern syntax)' })
  @IsOptionalField()
  @IsString()
  @MaxTextLength(200)
  q?: string;
}
