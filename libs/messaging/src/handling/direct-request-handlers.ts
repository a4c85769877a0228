import { EXCEPTION_FILTERS_METADATA, GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import type { ModulesContainer } from '@nestjs/core';
import { BaseRpcExceptionFilter, RpcException, Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { PATTERN_HANDLER_METADATA, PATTERN_METADATA, TRANSPORT_METADATA } from '@nestjs/microservices/constants';
import { PatternHandler } from '@nestjs/microservices/enums/pattern-handler.enum';
import { RpcParamtype } from '@nestjs/microservices/enums/rpc-paramtype.enum';
import type { BaseRpcContext } from '@nestjs/microservices';
import { Observable, throwError } from 'rxjs';
import { isHandledMethod } from '../messages-controller.decorator';

/** A request handler called as the method it is, with the payload and context where its parameters ask for them. */
type DirectRequestHandler = (payload: unknown, context: BaseRpcContext) => unknown;

/**
 * Has `server` call the request handlers that directRequestHandlers takes as
 * plain methods: each replaces Nest's proxy for its pattern, and answers as
 * that proxy does (the handler's result, or its failure as an observable of
 * the wire's error shape, as Nest's exception filter would have made it), so
 * that every server's code reads an answer the same either way.
 */
export function callHandlersDirectly(server: CustomTransportStrategy, modules: ModulesContainer): void {
  if (!(server instanceof Server)) return;
  const handlers = server.getHandlers();
  for (const [pattern, call] of directRequestHandlers(modules, server.transportId!)) {
    const viaNest = handlers.get(pattern);
    // Only where Nest registered it too, so that a handler bound to another transport stays out of reach here.
    if (!viaNest || viaNest.isEventHandler) continue;
    const direct: MessageHandler = (payload, context) => Promise.resolve(call(payload, context as BaseRpcContext)).catch(asNestsFilterSends);
    handlers.set(pattern, Object.assign(direct, { isEventHandler: false, extras: viaNest.extras }));
  }
}

/**
 * What Nest's proxy answers for a failure, through its default exception
 * filter: an observable failing with an RpcException's error object as it is,
 * which every server reads as a handler's failure (RabbitMQ's takes nothing else).
 */
function asNestsFilterSends(error: unknown): Observable<unknown> {
  if (!(error instanceof RpcException)) return new BaseRpcExceptionFilter().catch(error, undefined as never);
  const answer = error.getError();
  return throwError(() => (typeof answer === 'object' && answer !== null ? answer : { status: 'error', message: answer }));
}

const ENHANCERS = [GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA, EXCEPTION_FILTERS_METADATA];

type Method = (...args: unknown[]) => unknown;
interface RouteArgument {
  index: number;
  data?: unknown;
  pipes?: unknown[];
}

/**
 * The request handlers of this process's @MessagesController()s that a
 * server on `transportId` may call as plain methods instead of through Nest's
 * RPC pipeline, by string pattern. Nest wraps every handler in a proxy that
 * builds an execution context and runs guards, interceptors, pipes on each
 * parameter and exception filters: 15 of the 38 promises of an in-process
 * request (docs/performance.md), none of them doing anything here, since
 * MessageHandling already does what a handler's errors and context need.
 *
 * So a handler is taken only where that pipeline would do nothing: its
 * controller is a singleton and declares no guard, interceptor, pipe or
 * filter, nor does the method; its parameters are the whole payload and the
 * context (`@Payload()`, `@Ctx()`), without pipes; and it is served on every
 * transport or on `transportId`. The server must have no global enhancers
 * either: context servers do not inherit the HTTP app's (startContextServers).
 * Any other handler is left to Nest, so a guard added to a message controller
 * one day still runs.
 */
export function directRequestHandlers(modules: ModulesContainer, transportId: symbol | number): Map<string, DirectRequestHandler> {
  const handlers = new Map<string, DirectRequestHandler>();
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      const controller = wrapper.metatype as (new (...args: unknown[]) => unknown) | null;
      if (!instance || !controller || !wrapper.isDependencyTreeStatic() || wrapper.isTransient) continue;
      if (ENHANCERS.some((key) => Reflect.getMetadata(key, controller) !== undefined)) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const method = Object.getOwnPropertyDescriptor(prototype, name)?.value as Method | undefined;
        if (typeof method !== 'function' || !isHandledMethod(method)) continue;
        if (Reflect.getMetadata(PATTERN_HANDLER_METADATA, method) !== PatternHandler.MESSAGE) continue;
        const transport = Reflect.getMetadata(TRANSPORT_METADATA, method) as symbol | number | undefined;
        if (transport !== undefined && transport !== transportId) continue;
        if (ENHANCERS.some((key) => Reflect.getMetadata(key, method) !== undefined)) continue;
        const handler = plainCall(instance, method, Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name));
        if (!handler) continue;
        for (const pattern of ([] as unknown[]).concat(Reflect.getMetadata(PATTERN_METADATA, method))) {
          if (typeof pattern === 'string') handlers.set(pattern, handler);
        }
      }
    }
  }
  return handlers;
}

/** The method called with its arguments in place, or nothing when a parameter asks for more than the payload or context. */
function plainCall(instance: object, method: Method, routeArguments: Record<string, RouteArgument> | undefined): DirectRequestHandler | undefined {
  const positions: ('payload' | 'context')[] = [];
  for (const [key, argument] of Object.entries(routeArguments ?? {})) {
    const type = Number(key.split(':')[0]);
    if (argument.data !== undefined || (argument.pipes?.length ?? 0) > 0) return undefined;
    if (type === RpcParamtype.PAYLOAD) positions[argument.index] = 'payload';
    else if (type === RpcParamtype.CONTEXT) positions[argument.index] = 'context';
    else return undefined;
  }
  // Nest hands a method with no parameter decorators the payload and the context, in that order.
  if (positions.length === 0) return (payload, context) => method.call(instance, payload, context);
  // The usual shape, a handler of the payload alone, without an argument list built for every message.
  if (positions.length === 1 && positions[0] === 'payload') return (payload) => method.call(instance, payload);
  return (payload, context) =>
    method.apply(
      instance,
      Array.from(positions, (position) => (position === 'payload' ? payload : position === 'context' ? context : undefined)),
    );
}
