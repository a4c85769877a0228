/** Makes sure an admin account with this email exists, creating it with this password if not. */
export class EnsureAdminCommand {
  constructor(
    readonly email: string,
    readonly password: string,
    readonly name = 'Administrator',
  ) {}
}
