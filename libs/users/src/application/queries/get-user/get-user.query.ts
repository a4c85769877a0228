/** Asks for one user by id. */
export class GetUserQuery {
  constructor(readonly userId: string) {}
}
