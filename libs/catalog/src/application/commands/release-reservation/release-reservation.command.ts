/** The reserved (or sold, for a refunded order) units go back to available stock. */
export class ReleaseReservationCommand {
  constructor(readonly reservationId: string) {}
}
