/** One round of the expiry sweeper: up to `limit` orders whose time to pay is over. */
export class ExpireDueOrdersCommand {
  constructor(readonly limit = 100) {}
}
