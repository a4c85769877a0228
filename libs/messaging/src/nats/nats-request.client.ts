import { ClientNats, PacketId, ReadPacket, WritePacket } from '@nestjs/microservices';
import type { ContextName } from '@tessera/contracts';
import type { Msg } from 'nats';
import { ContextUnreachableError } from '../resilience/context-unreachable.error';
import { BrokerNames } from '../transports/broker-names';

/** NATS's status code for a request on a subject nobody subscribes to. */
const NO_RESPONDERS = 503;

/**
 * Nest's NATS client for one context. When no process of the context is
 * subscribed, NATS says so at once ("no responders"); this client turns that
 * into CONTEXT_UNAVAILABLE instead of waiting for the timeout.
 */
export class NatsRequestClient extends ClientNats {
  constructor(
    private readonly context: ContextName,
    private readonly names: BrokerNames,
    options: ConstructorParameters<typeof ClientNats>[0],
  ) {
    super(options);
  }

  protected override normalizePattern(pattern: Parameters<ClientNats['normalizePattern']>[0]): string {
    return this.names.requestSubject(super.normalizePattern(pattern));
  }

  override createSubscriptionHandler(packet: ReadPacket & PacketId, callback: (packet: WritePacket) => unknown) {
    const handle = super.createSubscriptionHandler(packet, callback);
    return async (error: string | Error | undefined, natsMsg: unknown) => {
      const message = natsMsg as Msg | undefined;
      if (!error && message?.headers?.code === NO_RESPONDERS) {
        return callback({ err: new ContextUnreachableError(`${this.context} is unavailable: no process serves it`), isDisposed: true });
      }
      return handle(error, natsMsg as Parameters<typeof handle>[1]);
    };
  }
}
