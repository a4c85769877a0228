import { Inject } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { ContextName, ERROR_CODES } from '@tessera/contracts';
import { lastValueFrom, timeout, TimeoutError } from 'rxjs';
import { RemoteError } from './errors/remote.error';

/**
 * How every part of the system talks to a context: a request by pattern,
 * bounded by a timeout, answered with JSON or a RemoteError carrying a code.
 * It looks the same whether the context is in this process or across a network.
 */
export class ContextClient {
  constructor(
    readonly context: ContextName,
    private readonly proxy: ClientProxy,
    private readonly timeoutMs: number,
  ) {}

  async send<TReply, TRequest = unknown>(pattern: string, request: TRequest, options: { timeoutMs?: number } = {}): Promise<TReply> {
    const ms = options.timeoutMs ?? this.timeoutMs;
    try {
      return await lastValueFrom(this.proxy.send<TReply, TRequest>(pattern, request).pipe(timeout(ms)), { defaultValue: undefined as TReply });
    } catch (error) {
      if (error instanceof TimeoutError) {
        throw new RemoteError(ERROR_CODES.CONTEXT_UNAVAILABLE, `${this.context} did not answer ${pattern} within ${ms} ms`);
      }
      throw RemoteError.from(error, this.context);
    }
  }

  async close(): Promise<void> {
    await this.proxy.close();
  }

  /** The transport's client, for publishing events through the same connection. */
  get transport(): ClientProxy {
    return this.proxy;
  }
}

export function contextClientToken(context: ContextName): string {
  return `${context.toUpperCase()}_CONTEXT_CLIENT`;
}

/** Injects the client of one context: `@InjectContextClient('users') users: ContextClient`. */
export const InjectContextClient = (context: ContextName): ParameterDecorator & PropertyDecorator =>
  Inject(contextClientToken(context));
