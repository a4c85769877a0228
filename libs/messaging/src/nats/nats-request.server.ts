import { ServerNats } from '@nestjs/microservices';
import type { ContextName } from '@tessera/contracts';
import type { NatsConnection, Subscription } from 'nats';
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
    for (const subscription of this.requestSubscriptions) subscription.unsubscribe();
    const deadline = Date.now() + DRAIN_MS;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await super.close();
  }

  private async handleRequest(pattern: string, message: Parameters<ServerNats['handleMessage']>[1]): Promise<void> {
    this.inFlight++;
    try {
      await this.handleMessage(pattern, message);
    } finally {
      this.inFlight--;
    }
  }
}
