import type { MessageHandler } from '@nestjs/microservices';
import type { EventConsumer } from '@tessera/contracts';

/** Where a handler's consumer travels from its @MessagesController to the server: Nest hands a handler's extras to addHandler. */
export const CONSUMER_EXTRA = 'consumer';

/** The consumer an event handler belongs to, as its controller declared it. */
export function consumerOf(handler: MessageHandler): EventConsumer | undefined {
  return handler.extras?.[CONSUMER_EXTRA] as EventConsumer | undefined;
}

/**
 * The event handlers of one server, by pattern, each kept with the consumer
 * it belongs to. Nest chains the handlers of an event pattern, so that calling
 * the first runs them all with one payload object; a process that hosts two
 * contexts subscribing to one event would then run both for each delivery,
 * one from each context's queue or port, each handler twice. Kept apart, each
 * delivery runs the handlers of the consumer it was meant for, and each
 * handler gets a payload of its own. Only the first handler of a pattern is
 * registered with Nest, which finds it by pattern; the others are found here
 * through it.
 */
export class EventSubscribers {
  private readonly byFirst = new Map<MessageHandler, MessageHandler[]>();

  /**
   * Called from a server's addHandler with the handler Nest already has for
   * the pattern, if any; `register` is the server's own addHandler, called
   * unless the handler joins the ones kept for its pattern.
   */
  add(
    pattern: unknown,
    first: MessageHandler | undefined,
    handler: MessageHandler,
    isEventHandler: boolean,
    extras: Record<string, unknown>,
    register: () => void,
  ): void {
    if (isEventHandler && !extras[CONSUMER_EXTRA]) {
      // Delivered by consumer, a handler that names none would never run on a broker: refused at start instead.
      throw new Error(`An event handler of ${String(pattern)} names no consumer: declare its controller with @MessagesController(consumer)`);
    }
    if (isEventHandler && first?.isEventHandler) {
      handler.isEventHandler = true;
      handler.extras = extras;
      this.byFirst.get(first)!.push(handler);
      return;
    }
    register();
    if (isEventHandler && !first) this.byFirst.set(handler, [handler]);
  }

  /** The handlers of the pattern whose first handler is `first`; only the consumer's, when one is named. */
  of(first: MessageHandler, consumer?: EventConsumer): MessageHandler[] {
    const handlers = this.byFirst.get(first) ?? [first];
    return consumer === undefined ? handlers : handlers.filter((handler) => consumerOf(handler) === consumer);
  }
}

/**
 * Runs every handler given and fails with the first failure, but only once all
 * of them are done, so that a handler's next run (the event delivered again)
 * never overlaps this one.
 */
export async function runEach(handlers: readonly MessageHandler[], run: (handler: MessageHandler) => Promise<void>): Promise<void> {
  if (handlers.length === 1) return run(handlers[0]);
  const runs = await Promise.allSettled(handlers.map(run));
  const failed = runs.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}
