import { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';
import { TimeoutError } from 'rxjs';
import { InProcessBroker } from './in-process.broker';

/**
 * Sends requests and events to the handlers of this process through the
 * broker, which copies them as a wire would. ContextClient asks with
 * `request`, a promise; the observable ClientProxy face is for Nest's own uses.
 */
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

  /**
   * Resolves with the handler's answer, or rejects with the error it answered
   * (the wire's error shape), or with rxjs's TimeoutError once `timeoutMs`
   * have passed without an answer, as a remote transport's `timeout` fails.
   */
  request<T>(pattern: string, data: unknown, timeoutMs?: number): Promise<T> {
    return this.broker.request(pattern, data, timeoutMs === undefined ? undefined : { ms: timeoutMs, error: timedOut }) as Promise<T>;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    let cancelled = false;
    this.broker.request(this.normalizePattern(packet.pattern), packet.data).then(
      (response) => cancelled || callback({ response, isDisposed: true }),
      (err: unknown) => cancelled || callback({ err, isDisposed: true }),
    );
    return () => {
      cancelled = true;
    };
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    await this.broker.publish(this.normalizePattern(packet.pattern), packet.data);
    return undefined as T;
  }
}

const timedOut = (): Error => new TimeoutError();
