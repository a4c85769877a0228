import { ApiProperty } from '@nestjs/swagger';
import type { Page, UserRole, UserStatus, UserView } from '@tessera/contracts';

/** A user as the API shows it; never a password or hash. */
export class UserDto implements UserView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'email', example: 'ada@example.com' })
  email: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  name: string;

  @ApiProperty({ enum: ['customer', 'admin'] })
  role: UserRole;

  @ApiProperty({ enum: ['active', 'inactive'] })
  status: UserStatus;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  /** Copies only the documented fields, so nothing a context adds to its view reaches a client unreviewed. */
  static of(view: UserView): UserDto {
    return Object.assign(new UserDto(), {
      id: view.id,
      email: view.email,
      name: view.name,
      role: view.role,
      status: view.status,
      createdAt: view.createdAt,
    });
  }
}

export class UserPageDto implements Page<UserDto> {
  @ApiProperty({ type: [UserDto] })
  items: UserDto[];

  @ApiProperty({ type: 'integer', description: 'Users across all pages' })
  total: number;

  @ApiProperty({ type: 'integer' })
  page: number;

  @ApiProperty({ type: 'integer' })
  limit: number;
}
