import { ClientNats, ReadPacket, WritePacket } from '@nestjs/microservices';
import type { ContextName } from '@tessera/contracts';
import { ErrorCode, type Msg, type NatsError } from 'nats';
import { ContextUnreachableError } from '../resilience/context-unreachable.error';
import { BrokerNames } from '../transports/broker-names';

/**
 * Nest's NATS client for one context, asking through the connection's one
 * multiplexed reply subscription. Nest's own client subscribes to a fresh
 * inbox for every request and unsubscribes after: two protocol messages more
 * per request and a subscription the server sets up and tears down, which
 * made a NATS request/reply twice the latency of the bare round trip
 * (docs/performance.md). When no process of the context is subscribed, NATS
 * says so at once ("no responders"); that is CONTEXT_UNAVAILABLE rather
 * than a wait for the timeout.
 */
export class NatsRequestClient extends ClientNats {
  constructor(
    private readonly context: ContextName,
    private readonly names: BrokerNames,
    /** How long NATS keeps waiting for a reply; the caller gives up after its own request timeout, well before. */
    private readonly replyTimeoutMs: number,
    options: ConstructorParameters<typeof ClientNats>[0],
  ) {
    super(options);
  }

  protected override normalizePattern(pattern: Parameters<ClientNats['normalizePattern']>[0]): string {
    return this.names.requestSubject(super.normalizePattern(pattern));
  }

  protected override publish(partialPacket: ReadPacket, callback: (packet: WritePacket) => unknown): () => void {
    let waiting = true;
    try {
      const packet = this.assignPacketId(partialPacket);
      const serialized = this.serializer.serialize(packet) as { data: Uint8Array; headers?: unknown };
      const answer = this.createSubscriptionHandler(packet, callback);
      this.natsClient!.request(this.normalizePattern(partialPacket.pattern), serialized.data, {
        timeout: this.replyTimeoutMs,
        headers: this.mergeHeaders(serialized.headers),
      }).then(
        (reply: Msg) => waiting && answer(undefined, reply as Parameters<typeof answer>[1]),
        (error: NatsError) => {
          if (!waiting) return;
          const unreachable = error?.code === ErrorCode.NoResponders;
          callback({ err: unreachable ? new ContextUnreachableError(`${this.context} is unavailable: no process serves it`) : error, isDisposed: true });
        },
      );
    } catch (error) {
      callback({ err: error });
    }
    // The caller gave up (its timeout): a reply that comes later is dropped.
    return () => {
      waiting = false;
    };
  }
}
