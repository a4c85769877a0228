/** Settles the payments left PENDING for longer than `staleAfterMs` (a crash or a provider that did not answer), up to `limit` of them. */
export class ResolvePendingPaymentsCommand {
  constructor(
    readonly staleAfterMs: number,
    readonly limit: number,
    readonly now: Date = new Date(),
  ) {}
}
