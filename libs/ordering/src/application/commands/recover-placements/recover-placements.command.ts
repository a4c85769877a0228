/** One round of placement recovery: up to `limit` placements that their requests left unfinished. */
export class RecoverPlacementsCommand {
  constructor(readonly limit = 50) {}
}
