/**
 * What every integration event carries besides its own fields: a unique id
 * (the outbox row's, so a redelivery has the same one and an inbox can drop
 * it) and when it happened.
 */
export interface IntegrationEventEnvelope {
  eventId: string;
  occurredAt: string;
}
