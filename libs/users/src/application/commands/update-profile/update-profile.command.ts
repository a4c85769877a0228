/** Changes a user's own profile; only the fields present change. Fields are as received. */
export class UpdateProfileCommand {
  constructor(
    readonly userId: string,
    readonly changes: { name?: string; email?: string },
  ) {}
}
