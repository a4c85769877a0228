import type { ClientProxy } from '@nestjs/microservices';
import { GATEWAY, type EventConsumer } from '@tessera/contracts';
import { lastValueFrom, timeout } from 'rxjs';
import { hasReplicaInRotation } from '../balancing/replica-balanced.client';
import type { ContextClient } from '../context-client';
import { isUnreachableFailure } from '../resilience/context-unreachable.error';
import { RemoteEventDelivery } from './remote-event-delivery';

/** A subscriber that has not handled an event within this long is retried later by the outbox, not waited for. */
const DELIVERY_TIMEOUT_MS = 5000;

/**
 * TCP has no broker: an event goes straight to the subscribing context's
 * process, over the connection its requests use, as a request that the
 * subscriber answers once its handler has finished (its transaction
 * committed). Only that answer counts as delivered: a subscriber that is
 * down, fails, or dies while handling fails the delivery, so the outbox tries again.
 * An event for a context with several replicas goes to one of them, like a
 * request, and to another at once if that one cannot be reached: the context's
 * inbox, shared by its replicas, drops it should the first have handled it after all.
 * An event of the gateway goes to every gateway process listed
 * (GATEWAY_TCP_ADDRESSES), and counts as delivered once each has handled it.
 */
export class TcpEventDelivery implements RemoteEventDelivery {
  constructor(
    private readonly clients: readonly ContextClient[],
    private readonly gateways: readonly ClientProxy[],
  ) {}

  async deliver(subscriber: EventConsumer, pattern: string, payload: object): Promise<void> {
    if (subscriber === GATEWAY) {
      await Promise.all(this.gateways.map((gateway) => this.send(gateway, pattern, payload)));
      return;
    }
    const client = this.clients.find((candidate) => candidate.context === subscriber);
    if (!client) throw new Error(`No client reaches ${subscriber}, a subscriber of ${pattern}`);
    const transport = client.transport;
    try {
      await this.send(transport, pattern, payload);
    } catch (error) {
      if (!isUnreachableFailure(error) || !hasReplicaInRotation(transport)) throw error;
      await this.send(transport, pattern, payload);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.gateways.map((gateway) => gateway.close()));
  }

  private async send(transport: ClientProxy, pattern: string, payload: object): Promise<void> {
    await lastValueFrom(transport.send(pattern, payload).pipe(timeout(DELIVERY_TIMEOUT_MS)), { defaultValue: undefined });
  }
}
