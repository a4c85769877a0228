/** Asks for one page of all users, in registration order. Absent values take the defaults. */
export class ListUsersQuery {
  constructor(
    readonly page?: number,
    readonly limit?: number,
  ) {}
}
