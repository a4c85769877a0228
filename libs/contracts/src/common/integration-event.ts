/**
 * What every integration event carries besides its own fields: a unique id
 * (the outbox row's, so a redelivery has the same one and an inbox can drop
 * it), when it happened, and the version of its schema, so that a consumer can
 * tell an older shape from a newer one. The outbox stamps all three.
 */
export interface IntegrationEventEnvelope {
  eventId: string;
  occurredAt: string;
  version: number;
  /**
   * Which publication of the event this is: 1 for the first; the outbox
   * publishes an event again when a subscriber failed it or its publisher
   * died. A consumer that never saw an earlier one has nothing of it to look
   * up. Absent from events of publishers that do not count.
   */
  publication?: number;
}

/** The schema version every event has until its contract changes in a way consumers must tell apart. */
export const INTEGRATION_EVENT_VERSION = 1;

/**
 * What a publisher writes to its outbox for an event: its own fields, and when
 * it happened if the change knows (else the outbox's commit time); the outbox
 * stamps the rest of the envelope.
 */
export type IntegrationEventPayload<E extends IntegrationEventEnvelope> = Omit<E, keyof IntegrationEventEnvelope> & { occurredAt?: string };
