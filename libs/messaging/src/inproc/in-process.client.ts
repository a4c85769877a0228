import { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';
import { InProcessBroker } from './in-process.broker';

/** Sends requests and events to the handlers of this process through the broker, which copies them as a wire would. */
export class InProcessClient extends ClientProxy {
  constructor(private readonly broker: InProcessBroker) {
    super();
  }

  async connect(): Promise<void> {
    // Nothing to connect: the broker lives in this process.
  }

  close(): void {
    // Nothing to close: the broker outlives its clients.
  }

  unwrap<T>(): T {
    return this.broker as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    return this.broker.request(this.normalizePattern(packet.pattern), packet.data, callback);
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    await this.broker.publish(this.normalizePattern(packet.pattern), packet.data);
    return undefined as T;
  }
}
