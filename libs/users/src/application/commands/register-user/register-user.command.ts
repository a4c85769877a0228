/** Registers a customer account. Fields are as received: the handler validates them. */
export class RegisterUserCommand {
  constructor(
    readonly email: string,
    readonly password: string,
    readonly name: string,
  ) {}
}
