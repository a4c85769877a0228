import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { isOperationsRoute } from '@tessera/platform';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard } from '@nestjs/throttler';
import type {
  ThrottlerGenerateKeyFunction,
  ThrottlerGetTrackerFunction,
  ThrottlerModuleOptions,
  ThrottlerOptions,
  ThrottlerStorage,
  Resolvable,
} from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import {
  THROTTLER_BLOCK_DURATION,
  THROTTLER_KEY_GENERATOR,
  THROTTLER_LIMIT,
  THROTTLER_SKIP,
  THROTTLER_TRACKER,
  THROTTLER_TTL,
} from '@nestjs/throttler/dist/throttler.constants';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MemoizedReflector } from '../common/memoized-reflector';
import { GATEWAY_ERROR_CODES } from '../problems/problem-codes';
import { ProblemException } from '../problems/problem.exception';
import { SlidingWindowThrottlerStorage } from './sliding-window.throttler-storage';

/** What the options and a route's decorators make of one budget: the same for every request of the route. */
interface RoutePlan {
  throttler: ThrottlerOptions;
  skipIf?: (context: ExecutionContext) => boolean;
  ignoreUserAgents?: RegExp[];
  limit: Resolvable<number>;
  ttl: Resolvable<number>;
  blockDuration?: Resolvable<number>;
  getTracker: ThrottlerGetTrackerFunction;
  generateKey: ThrottlerGenerateKeyFunction;
  /** The names of its X-RateLimit-* headers (limit, remaining, reset), when it sets them. */
  headers?: readonly [string, string, string];
}

/** One budget a request is counted against. */
interface Budget {
  plan: RoutePlan;
  key: string;
  limit: number;
  ttl: number;
  blockDuration: number;
}

/**
 * @nestjs/throttler's guard, counting a request against its budgets and
 * answering 429 RATE_LIMITED as problem+json with a plain `Retry-After` in
 * seconds whichever budget ran out.
 *
 * `decide` is its `canActivate` without the promises and with each route's
 * decorators read once: the library awaits each option, the tracker and the
 * store (some twenty promises a request) and walks the route's metadata ten
 * times a request, which made the rate limit about a twentieth of a product
 * read's CPU (docs/performance.md). Over the in-memory store a request is
 * decided in the same tick; over Redis it waits for the store only. Options,
 * route decorators (@SkipThrottle, @Throttle), trackers, keys and headers
 * mean what they mean to the library.
 */
@Injectable()
export class RateLimiter extends ThrottlerGuard {
  private readonly plans = new WeakMap<object, Map<object, readonly RoutePlan[]>>();

  constructor(@InjectThrottlerOptions() options: ThrottlerModuleOptions, @InjectThrottlerStorage() storage: ThrottlerStorage, reflector: MemoizedReflector) {
    super(options, storage, reflector);
  }

  /** Whether the request may go on: true, or a 429 thrown; a promise only when the store answers with one. */
  decide(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const budgets: Budget[] = [];
    for (const plan of this.plansOf(context)) {
      const budget = budgetOf(context, request, plan);
      if (budget) budgets.push(budget);
    }
    const storage = this.storageService;
    if (storage instanceof SlidingWindowThrottlerStorage) {
      for (const budget of budgets) count(context, budget, storage.incrementNow(budget.key, budget.ttl, budget.limit));
      return true;
    }
    return (async () => {
      for (const budget of budgets)
        count(context, budget, await storage.increment(budget.key, budget.ttl, budget.limit, budget.blockDuration, budget.plan.throttler.name!));
      return true;
    })();
  }

  override canActivate(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(this.decide(context));
  }

  /** The budgets of the request's route that no @SkipThrottle() turns off, worked out at its first request. */
  private plansOf(context: ExecutionContext): readonly RoutePlan[] {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byController = this.plans.get(handler);
    if (!byController) this.plans.set(handler, (byController = new Map()));
    let plans = byController.get(controller);
    if (!plans) byController.set(controller, (plans = this.throttlers.flatMap((throttler) => this.planOf(throttler, [handler, controller]) ?? [])));
    return plans;
  }

  private planOf(throttler: ThrottlerOptions, targets: ReturnType<ExecutionContext['getHandler' | 'getClass']>[]): RoutePlan | undefined {
    const route = <T>(key: string) => this.reflector.getAllAndOverride<T | undefined>(key + throttler.name, targets);
    if (route<boolean>(THROTTLER_SKIP)) return undefined;
    const suffix = throttler.name === 'default' ? '' : `-${throttler.name}`;
    const setsHeaders = throttler.setHeaders ?? this.commonOptions.setHeaders ?? true;
    return {
      throttler,
      skipIf: throttler.skipIf ?? this.commonOptions.skipIf,
      ignoreUserAgents: throttler.ignoreUserAgents ?? this.commonOptions.ignoreUserAgents,
      limit: route<Resolvable<number>>(THROTTLER_LIMIT) ?? throttler.limit,
      ttl: route<Resolvable<number>>(THROTTLER_TTL) ?? throttler.ttl,
      blockDuration: route<Resolvable<number>>(THROTTLER_BLOCK_DURATION) ?? throttler.blockDuration,
      getTracker: route<ThrottlerGetTrackerFunction>(THROTTLER_TRACKER) ?? throttler.getTracker ?? this.commonOptions.getTracker!,
      generateKey: route<ThrottlerGenerateKeyFunction>(THROTTLER_KEY_GENERATOR) ?? throttler.generateKey ?? this.commonOptions.generateKey!,
      headers: setsHeaders
        ? [`${this.headerPrefix}-Limit${suffix}`, `${this.headerPrefix}-Remaining${suffix}`, `${this.headerPrefix}-Reset${suffix}`]
        : undefined,
    };
  }
}

/** The budget a request is counted against under `plan`, or none when the plan's skipIf or user agents let it by. */
function budgetOf(context: ExecutionContext, request: FastifyRequest, plan: RoutePlan): Budget | undefined {
  const { throttler } = plan;
  if (plan.skipIf?.(context)) return undefined;
  if (plan.ignoreUserAgents?.some((pattern) => pattern.test(request.headers['user-agent'] ?? ''))) return undefined;
  const ttl = resolved(context, plan.ttl);
  const tracker = plan.getTracker(request, context);
  if (typeof tracker !== 'string') throw new Error(`The rate limit's tracker of the "${throttler.name}" budget must answer a string, not a promise`);
  return {
    plan,
    key: plan.generateKey(context, tracker, throttler.name!),
    limit: resolved(context, plan.limit),
    ttl,
    blockDuration: resolved(context, plan.blockDuration ?? ttl),
  };
}

/** Refuses the request once its budget has run out, and says what is left of it when the budget sets headers. */
function count(context: ExecutionContext, budget: Budget, record: ThrottlerStorageRecord): void {
  const reply = context.switchToHttp().getResponse<FastifyReply>();
  if (record.isBlocked) {
    const retryAfterSeconds = Math.max(1, Math.ceil(record.timeToBlockExpire));
    void reply.header('Retry-After', String(retryAfterSeconds));
    throw new ProblemException(GATEWAY_ERROR_CODES.RATE_LIMITED, `Too many requests; retry after ${retryAfterSeconds} seconds.`);
  }
  const headers = budget.plan.headers;
  if (!headers) return;
  void reply.header(headers[0], budget.limit);
  void reply.header(headers[1], Math.max(0, budget.limit - record.totalHits));
  void reply.header(headers[2], record.timeToExpire);
}

/** An option's value, called with the request's context when it is a function, as the library's `resolveValue`; a number now, not a promise. */
function resolved(context: ExecutionContext, value: Resolvable<number> | undefined): number {
  const number = typeof value === 'function' ? value(context) : value;
  if (typeof number !== 'number' || Number.isNaN(number)) throw new Error(`A rate limit's option must be a number, not ${String(number)}`);
  return number;
}

/**
 * The global rate-limit guard. Message handlers and health probes are not
 * throttled, and are let through without a promise: @nestjs/throttler's
 * guard is async from its first line (its shouldSkip included), and the two
 * promises it costs a probe were a measurable part of GET /health/live
 * (docs/performance.md).
 */
@Injectable()
export class GatewayThrottlerGuard implements CanActivate {
  constructor(private readonly limiter: RateLimiter) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http' || isOperationsRoute(context.switchToHttp().getRequest<FastifyRequest>())) return true;
    return this.limiter.decide(context);
  }
}
