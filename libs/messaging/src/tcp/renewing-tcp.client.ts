import { Logger } from '@nestjs/common';
import { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';
import { lastValueFrom, Observable } from 'rxjs';
import { isUnreachableFailure } from '../resilience/context-unreachable.error';
import { publishThroughSend } from '../transports/publish-through-send';
import { RepeatedFailureLog } from '../scheduling/repeated-failure-log';

/** A request given up sooner than this (not for its timeout: every timeout here is longer) says nothing of its connection. */
const SILENCE_THAT_GIVES_UP_A_CONNECTION_MS = 1000;

/**
 * The client of one TCP address that gives up a connection gone silent: a request abandoned by its caller (its
 * timeout) when nothing at all came back on the connection since the request went out. TCP alone would keep such a
 * connection for as long as it is not closed, which after a partition, or with a process back on another machine
 * behind the same address, a NAT or a proxy in between, is forever: every request after it would be lost too. The
 * next request opens a new connection; requests still waiting on the old one end as a lost connection does
 * (CONTEXT_UNAVAILABLE, a query tried again by ContextClient). A process that answers nothing for a whole timeout (a
 * frozen one) costs a new connection each time a request sent after the last one is abandoned, no more.
 */
export class RenewingTcpClient extends ClientProxy {
  private readonly logger = new Logger('TcpClient');
  // A frozen process costs a new connection every request's timeout: said once a minute, and when it answers again.
  private readonly silences: RepeatedFailureLog;
  private client: ClientProxy;
  private openedAt = Date.now();
  private lastHeardAt = 0;

  constructor(
    /** How logs name the address: `host:port`. */
    private readonly address: string,
    private readonly open: () => ClientProxy,
  ) {
    super();
    this.silences = new RepeatedFailureLog(this.logger, `The connection to ${address}`);
    this.client = open();
  }

  override send<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    return new Observable<TResult>((subscriber) => {
      const sentAt = Date.now();
      let settled = false;
      const heard = () => {
        this.lastHeardAt = Date.now();
        this.silences.succeeded();
      };
      const request = this.client.send<TResult, TInput>(pattern, data).subscribe({
        next: (value) => {
          heard();
          subscriber.next(value);
        },
        error: (error: unknown) => {
          settled = true;
          // Any answer, an error too, shows the connection carries; a lost connection opens a new one by itself.
          if (!isUnreachableFailure(error)) heard();
          subscriber.error(error);
        },
        complete: () => {
          settled = true;
          heard();
          subscriber.complete();
        },
      });
      return () => {
        request.unsubscribe();
        const silentForMs = Date.now() - sentAt;
        if (!settled && silentForMs >= SILENCE_THAT_GIVES_UP_A_CONNECTION_MS && this.lastHeardAt < sentAt && this.openedAt <= sentAt) this.renew();
      };
    });
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  unwrap<T>(): T {
    return this.client.unwrap<T>();
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    return publishThroughSend(this, packet, callback);
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    return lastValueFrom(this.client.emit<T>(packet.pattern, packet.data), { defaultValue: undefined as T });
  }

  // A client of its own for the new connection: Nest's TCP client clears its connection when an old socket closes,
  // and the old one may close only after the new one is open.
  private renew(): void {
    const silent = this.client;
    this.client = this.open();
    this.openedAt = Date.now();
    this.silences.failed('nothing came back while a request waited out its timeout; it is given up and a new one opened');
    void Promise.resolve(silent.close()).catch(() => undefined);
  }
}
