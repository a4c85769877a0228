import { ApiProperty } from '@nestjs/swagger';
import type { RegisterUserRequest } from '@tessera/contracts';
import { IsEmail, IsString, Length, Matches, MaxLength } from 'class-validator';

/** POST /auth/register: a new customer account. */
export class RegisterDto implements RegisterUserRequest {
  @ApiProperty({ format: 'email', maxLength: 254, example: 'ada@example.com', description: 'Compared case-insensitively' })
  @IsString()
  @MaxLength(254)
  @IsEmail()
  email: string;

  @ApiProperty({ minLength: 8, maxLength: 128, format: 'password', example: 'correct horse battery' })
  @IsString()
  @Length(8, 128)
  password: string;

  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Ada Lovelace' })
  @IsString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;
}
