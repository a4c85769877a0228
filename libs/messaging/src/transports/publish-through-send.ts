import type { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';

/**
 * ClientProxy.publish for a client whose requests go through its own `send` (it wraps other clients): Nest calls
 * publish only from its own send, which such a client replaces, so this is there for whoever calls it directly.
 */
export function publishThroughSend(client: ClientProxy, packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
  const subscription = client.send(packet.pattern, packet.data).subscribe({
    next: (response) => callback({ response }),
    error: (err: unknown) => callback({ err }),
    complete: () => callback({ isDisposed: true }),
  });
  return () => subscription.unsubscribe();
}
