import type { DomainEvent } from './domain-event';

export abstract class AggregateRoot<TEvent extends DomainEvent = DomainEvent> {
  private recordedEvents: TEvent[] = [];

  protected record(event: TEvent): void {
    this.recordedEvents.push(event);
  }

  /** Hands over the events recorded since the last call, so each is published once. */
  pullEvents(): TEvent[] {
    const events = this.recordedEvents;
    this.recordedEvents = [];
    return events;
  }
}
