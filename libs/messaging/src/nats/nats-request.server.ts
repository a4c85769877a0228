import { NatsContext, ServerNats } from '@nestjs/microservices';
import type { ContextName } from '@tessera/contracts';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { BrokerNames } from '../transports/broker-names';

/** How long a stopping process keeps answering the requests it has already taken. */
const DRAIN_MS = 5000;

/**
 * Nest's NATS server, answering the requests of the contexts this process
 * hosts. Each context is one subscription to `<ns>.<context>.*` in the queue
 * group `<ns>.<context>.requests`, so replicas share the requests and a pattern the context
 * does not serve is answered NO_HANDLER, while a context with no process at
 * all makes NATS answer "no responders" at once. Events do not come this
 * way: they are durable and come from JetStream.
 */
export class NatsRequestServer extends ServerNats {
  private readonly requestSubscriptions: Subscription[] = [];
  private inFlight = 0;
  /** For each request being handled, what marks it answered once its last reply packet is sent. */
  private readonly replies = new WeakMap<object, { expected: boolean; sent: () => void }>();

  constructor(
    private readonly contexts: readonly ContextName[],
    private readonly names: BrokerNames,
    options: ConstructorParameters<typeof ServerNats>[0],
  ) {
    super(options);
  }

  override bindEvents(client: NatsConnection): void {
    for (const context of this.contexts) {
      this.requestSubscriptions.push(
        client.subscribe(this.names.requestWildcard(context), {
          queue: this.names.requestQueue(context),
          callback: (error, message) => {
            if (error) return this.logger.error(error);
            void this.handleRequest(this.names.patternOfRequestSubject(message.subject), message);
          },
        }),
      );
    }
  }

  override async close(): Promise<void> {
    const deadline = Date.now() + DRAIN_MS;
    // Drained, not dropped: a request the broker routed here before it saw the unsubscription is still handled.
    // Bounded, since a drain waits for the broker, which may be the thing that is gone.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.requestSubscriptions.map((subscription) => subscription.drain().catch(() => undefined))),
      new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_MS))),
    ]);
    clearTimeout(timer);
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await super.close();
  }

  override getPublisher(natsMsg: Msg, id: string, ctx: NatsContext): (response: any) => any {
    const publish = super.getPublisher(natsMsg as Parameters<ServerNats['getPublisher']>[0], id, ctx);
    const reply = this.replies.get(natsMsg);
    if (!reply) return publish;
    reply.expected = true;
    return (response: { isDisposed?: boolean }) => {
      const published = publish(response);
      if (response?.isDisposed) reply.sent();
      return published;
    };
  }

  /**
   * Counts a request in flight until its reply is sent. Nest's handleMessage
   * resolves once the handler is subscribed to, which with an interceptor is
   * before its work has run; a stop that waited only for that would close the
   * database under the work and leave it half done.
   */
  private async handleRequest(pattern: string, message: Msg): Promise<void> {
    this.inFlight++;
    try {
      const answered = new Promise<void>((sent) => this.replies.set(message, { expected: false, sent }));
      await this.handleMessage(pattern, message as Parameters<ServerNats['handleMessage']>[1]);
      // An event or a pattern nobody here serves gets no reply packet marked last: handleMessage was all of it.
      if (this.replies.get(message)!.expected && this.getHandlerByPattern(pattern)) await answered;
    } finally {
      this.replies.delete(message);
      this.inFlight--;
    }
  }
}
