import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

/** The handler and controller a guard asks about, as Reflector takes them. */
type Targets = Parameters<Reflector['getAllAndOverride']>[1];

/**
 * Nest's Reflector, remembering what getAllAndOverride found for a handler
 * and its controller. Decorators run once, when the classes load, so the
 * answer for a route never changes; yet the global guards ask on every
 * request: whether it is @Public(), its @Roles(), and @nestjs/throttler five
 * questions a budget, each a walk of reflect-metadata's prototype chain.
 */
@Injectable()
export class MemoizedReflector extends Reflector {
  private readonly found = new WeakMap<object, WeakMap<object, Map<unknown, unknown>>>();

  override getAllAndOverride<TResult = unknown, TKey = unknown>(metadataKey: TKey, targets: Targets): TResult {
    const [handler, controller] = targets;
    if (targets.length !== 2 || typeof handler !== 'function' || typeof controller !== 'function') return super.getAllAndOverride(metadataKey, targets);
    let byController = this.found.get(handler);
    if (!byController) this.found.set(handler, (byController = new WeakMap()));
    let byKey = byController.get(controller);
    if (!byKey) byController.set(controller, (byKey = new Map()));
    if (!byKey.has(metadataKey)) byKey.set(metadataKey, super.getAllAndOverride(metadataKey, targets));
    return byKey.get(metadataKey) as TResult;
  }
}
