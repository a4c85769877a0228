import { BaseRpcContext, MessageHandler, ReadPacket, ServerTCP } from '@nestjs/microservices';
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

  override async handleEvent(pattern: string, packet: ReadPacket, context: BaseRpcContext): Promise<unknown> {
    if (!this.getHandlerByPattern(pattern)) return undefined;
    return super.handleEvent(pattern, packet, context);
  }
}
