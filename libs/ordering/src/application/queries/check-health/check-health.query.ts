/** Asks whether ordering can serve, which it can when its database answers. */
export class CheckHealthQuery {}
