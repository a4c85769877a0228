/** The reserved units are sold with the order. */
export class CommitReservationCommand {
  constructor(readonly reservationId: string) {}
}
