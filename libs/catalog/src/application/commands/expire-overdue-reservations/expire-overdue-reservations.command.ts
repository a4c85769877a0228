/** One round of the expiry sweeper: up to `limit` RESERVED reservations whose hold had run out at `now`. */
export class ExpireOverdueReservationsCommand {
  constructor(
    readonly limit = 100,
    readonly now: Date = new Date(),
  ) {}
}
