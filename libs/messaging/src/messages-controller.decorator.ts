import { applyDecorators, Controller, Inject, Optional } from '@nestjs/common';
import { PATTERN_EXTRAS_METADATA, PATTERN_HANDLER_METADATA, PATTERN_METADATA } from '@nestjs/microservices/constants';
import { PatternHandler } from '@nestjs/microservices/enums/pattern-handler.enum';
import type { EventConsumer } from '@tessera/contracts';
import { CONSUMER_EXTRA } from './events/event-subscribers';
import { HandlerKind, MessageHandling } from './handling/message-handling';
import { TOPOLOGY } from './messaging.tokens';
import type { Topology } from './topology/topology';

const HANDLING = Symbol('messageHandling');
const HANDLED_METHOD = Symbol('handledMethod');
const HANDLING_TOPOLOGY = Symbol('messageHandlingTopology');

interface HandlingController {
  [HANDLING]?: MessageHandling;
  [HANDLING_TOPOLOGY]?: Topology;
}

type HandlerMethod = (this: HandlingController, payload: unknown, ...rest: unknown[]) => unknown;

/**
 * Marks a context's message handlers: the context's only face. Each
 * `@MessagePattern` and `@EventPattern` method runs inside the
 * MessageHandling of its module (correlation, the event delivery rule, errors
 * as codes, a log line). The methods are wrapped here rather than through a
 * Nest interceptor, whose rxjs plumbing and per-call AsyncResource cost more
 * than an in-process hop itself. So a handler method called directly, from
 * another method or a test, runs inside the handling too, and fails with the
 * wire's error shape: share code between handlers through a plain method.
 *
 * A controller with `@EventPattern` methods names the consumer (its context,
 * or the gateway) whose events they handle: a process hosting several
 * consumers of one event hands each delivery, from one consumer's queue or
 * port, to that consumer's handlers only (EventSubscribers).
 */
export function MessagesController(consumer?: EventConsumer): ClassDecorator {
  return applyDecorators(Controller(), (target: { prototype: object; name?: string }) => {
    const prototype = target.prototype as Record<string | symbol, unknown>;
    Optional()(prototype, HANDLING);
    Inject(MessageHandling)(prototype, HANDLING);
    Optional()(prototype, HANDLING_TOPOLOGY);
    Inject(TOPOLOGY)(prototype, HANDLING_TOPOLOGY);
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = Object.getOwnPropertyDescriptor(prototype, name)?.value;
      if (typeof method === 'function' && Reflect.hasMetadata(PATTERN_METADATA, method)) {
        if (Reflect.getMetadata(PATTERN_HANDLER_METADATA, method) === PatternHandler.EVENT)
          ownEvents(method as HandlerMethod, consumer, `${target.name}.${name}`);
        Object.defineProperty(prototype, name, { ...Object.getOwnPropertyDescriptor(prototype, name), value: handled(method as HandlerMethod) });
      }
    }
  });
}

/** Marks an event handler with its consumer, in the extras Nest hands to every server with the handler. */
function ownEvents(method: HandlerMethod, consumer: EventConsumer | undefined, where: string): void {
  if (!consumer) throw new Error(`${where} handles an event, so its controller must name the consumer: @MessagesController(consumer)`);
  Reflect.defineMetadata(PATTERN_EXTRAS_METADATA, { ...Reflect.getMetadata(PATTERN_EXTRAS_METADATA, method), [CONSUMER_EXTRA]: consumer }, method);
}

function handled(method: HandlerMethod): HandlerMethod {
  const pattern = ([] as unknown[]).concat(Reflect.getMetadata(PATTERN_METADATA, method)).join(', ');
  const kind: HandlerKind = Reflect.getMetadata(PATTERN_HANDLER_METADATA, method) === PatternHandler.EVENT ? 'event' : 'message';
  const wrapper: HandlerMethod = function (payload, ...rest) {
    return handlingOf(this).handle(pattern, kind, payload, () => method.call(this, payload, ...rest));
  };
  // Nest finds a handler, its parameters and its pattern by the method's name and metadata.
  Object.defineProperty(wrapper, 'name', { value: method.name });
  Object.defineProperty(wrapper, HANDLED_METHOD, { value: true });
  for (const key of Reflect.getMetadataKeys(method)) Reflect.defineMetadata(key, Reflect.getMetadata(key, method), wrapper);
  return wrapper;
}

/** Whether a method is a handler wrapped by @MessagesController(), which fails only with the wire's error shape. */
export function isHandledMethod(method: unknown): boolean {
  return typeof method === 'function' && (method as unknown as Record<symbol, unknown>)[HANDLED_METHOD] === true;
}

/**
 * The MessageHandling of a controller's module; for a process that provides
 * none (the gateway, without persistence), one of its own: correlation,
 * spans, logs and error codes, no delivery rule, and the transport its
 * messages arrive by, so that its metrics and spans name it.
 */
function handlingOf(controller: HandlingController): MessageHandling {
  return (controller[HANDLING] ??= new MessageHandling(undefined, undefined, undefined, controller[HANDLING_TOPOLOGY]));
}
