import { applyDecorators, Controller, Inject, Optional } from '@nestjs/common';
import { PATTERN_HANDLER_METADATA, PATTERN_METADATA } from '@nestjs/microservices/constants';
import { PatternHandler } from '@nestjs/microservices/enums/pattern-handler.enum';
import { HandlerKind, MessageHandling } from './handling/message-handling';
import { TOPOLOGY } from './messaging.tokens';
import type { Topology } from './topology/topology';

const HANDLING = Symbol('messageHandling');
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
 */
export function MessagesController(): ClassDecorator {
  return applyDecorators(Controller(), (target: { prototype: object }) => {
    const prototype = target.prototype as Record<string | symbol, unknown>;
    Optional()(prototype, HANDLING);
    Inject(MessageHandling)(prototype, HANDLING);
    Optional()(prototype, HANDLING_TOPOLOGY);
    Inject(TOPOLOGY)(prototype, HANDLING_TOPOLOGY);
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = Object.getOwnPropertyDescriptor(prototype, name)?.value;
      if (typeof method === 'function' && Reflect.hasMetadata(PATTERN_METADATA, method)) {
        Object.defineProperty(prototype, name, { ...Object.getOwnPropertyDescriptor(prototype, name), value: handled(method as HandlerMethod) });
      }
    }
  });
}

function handled(method: HandlerMethod): HandlerMethod {
  const pattern = ([] as unknown[]).concat(Reflect.getMetadata(PATTERN_METADATA, method)).join(', ');
  const kind: HandlerKind = Reflect.getMetadata(PATTERN_HANDLER_METADATA, method) === PatternHandler.EVENT ? 'event' : 'message';
  const wrapper: HandlerMethod = function (payload, ...rest) {
    return handlingOf(this).handle(pattern, kind, payload, () => method.call(this, payload, ...rest));
  };
  // Nest finds a handler, its parameters and its pattern by the method's name and metadata.
  Object.defineProperty(wrapper, 'name', { value: method.name });
  for (const key of Reflect.getMetadataKeys(method)) Reflect.defineMetadata(key, Reflect.getMetadata(key, method), wrapper);
  return wrapper;
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
