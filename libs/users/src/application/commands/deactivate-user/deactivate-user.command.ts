/** Deactivates a user, who can no longer sign in. */
export class DeactivateUserCommand {
  constructor(readonly userId: string) {}
}
