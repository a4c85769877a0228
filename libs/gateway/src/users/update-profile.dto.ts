import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsString, Matches } from 'class-validator';
import { IsOptionalField, MaxTextLength, TextLength } from '../common/validation.decorators';

/** PATCH /users/me: only the fields present change. */
export class UpdateProfileDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100, example: 'Ada King', description: 'Trimmed; not blank, no control characters' })
  @IsOptionalField()
  @IsString()
  @TextLength(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name?: string;

  @ApiPropertyOptional({ format: 'email', maxLength: 254, example: 'ada.king@example.com' })
  @IsOptionalField()
  @IsString()
  @MaxTextLength(254)
  @IsEmail()
  email?: string;
}
