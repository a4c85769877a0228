/** Asks who signs in with this email and password. Fields are as received. */
export class VerifyCredentialsQuery {
  constructor(
    readonly email: string,
    readonly password: string,
  ) {}
}
