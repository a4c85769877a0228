import { ApiProperty } from '@nestjs/swagger';
import type { RegisterUserRequest } from '@tessera/contracts';
import { IsEmail, IsString, Matches } from 'class-validator';
import { HasNoControlCharacters, MaxTextLength, NO_CONTROL_CHARACTERS_PATTERN, TextLength } from '../common/validation.decorators';

/** POST /auth/register: a new customer account. */
export class RegisterDto implements RegisterUserRequest {
  @ApiProperty({ format: 'email', maxLength: 254, example: 'ada@example.com', description: 'Compared case-insensitively' })
  @IsString()
  @MaxTextLength(254)
  @IsEmail()
  email: string;

  @ApiProperty({
    minLength: 8,
    maxLength: 128,
    format: 'password',
    pattern: NO_CONTROL_CHARACTERS_PATTERN,
    example: 'correct horse battery',
    description: 'Every character counts, spaces too; control characters (U+0000-U+001F, U+007F-U+009F) are refused',
  })
  @IsString()
  @TextLength(8, 128)
  @HasNoControlCharacters()
  password: string;

  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Ada Lovelace', description: 'Trimmed; not blank, no control characters' })
  @IsString()
  @TextLength(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;
}
