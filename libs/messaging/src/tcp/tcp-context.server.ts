import { BaseRpcContext, MessageHandler, ReadPacket, ServerTCP, TcpContext } from '@nestjs/microservices';
import { NO_MESSAGE_HANDLER } from '@nestjs/microservices/constants';
import type { TcpSocket } from '@nestjs/microservices/helpers/tcp-socket';
import { answerOf } from '../handling/answer-of';
import { handlerOfPattern } from '../transports/plain-pattern-lookup';

/**
 * Nest's TCP server, quiet about events this process does not subscribe to:
 * TCP has no broker, so publishers send each event to every context and each
 * keeps only what it handles.
 */
export class TcpContextServer extends ServerTCP {
  override getHandlerByPattern(pattern: string): MessageHandler | null {
    return handlerOfPattern(this.messageHandlers, pattern, (json) => super.getHandlerByPattern(json));
  }

  /**
   * Answers a request with one reply packet once its handler is done:
   * `{ id, response, isDisposed }` or `{ id, err, isDisposed }`, the packet
   * Nest's own path sends after turning every answer into an observable and
   * scheduling its packets on the next tick, which cost a good part of a hop.
   */
  override async handleMessage(socket: TcpSocket, rawMessage: unknown): Promise<unknown> {
    const packet = (await this.deserializer.deserialize(rawMessage)) as ReadPacket & { id?: string };
    const pattern = this.getPatternAsString(packet.pattern);
    const context = new TcpContext([socket, pattern]);
    const { id } = packet;
    if (id === undefined) return this.handleEvent(pattern, packet, context);
    const respond = (reply: Record<string, unknown>) => socket.sendMessage(this.serializer.serialize({ ...reply, id }));
    const handler = this.getHandlerByPattern(pattern);
    if (!handler) return respond({ status: 'error', err: NO_MESSAGE_HANDLER });
    try {
      respond({ response: await answerOf(handler(packet.data, context)), isDisposed: true });
    } catch (error) {
      // A handler's failure, through Nest's exception filter, is the error payload the client turns into a RemoteError.
      respond({ err: error, isDisposed: true });
    }
    return undefined;
  }

  override async handleEvent(pattern: string, packet: ReadPacket, context: BaseRpcContext): Promise<unknown> {
    if (!this.getHandlerByPattern(pattern)) return undefined;
    return super.handleEvent(pattern, packet, context);
  }
}
