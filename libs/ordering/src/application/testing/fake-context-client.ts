import type { ContextName } from '@tessera/contracts';
import { ERROR_CODES } from '@tessera/contracts';
import { ContextClient, RemoteError } from '@tessera/messaging';
import { DomainError } from '@tessera/shared-kernel';
import { nextTurn, throughJson } from '@tessera/messaging/testing';

type Answer = (request: Record<string, unknown>) => unknown;

/**
 * A ContextClient for tests: answers each pattern with a function, through
 * JSON both ways, turning a thrown DomainError into the RemoteError a caller
 * would receive; remembers every request.
 */
export class FakeContextClient {
  readonly calls: { pattern: string; request: Record<string, unknown> }[] = [];
  private readonly answers = new Map<string, Answer>();
  private readonly failures = new Map<string, Error[]>();
  private readonly lostReplies = new Map<string, number>();

  constructor(readonly context: ContextName) {}

  answer(pattern: string, answer: Answer): this {
    this.answers.set(pattern, answer);
    return this;
  }

  /** The function that answers `pattern` now, to wrap in another. */
  handlerOf(pattern: string): Answer {
    const answer = this.answers.get(pattern);
    if (!answer) throw new Error(`No answer for ${pattern}`);
    return answer;
  }

  /** Makes the next request of `pattern` fail with `error` (a RemoteError, say, or a timeout's CONTEXT_UNAVAILABLE). */
  failNext(pattern: string, error: Error = new RemoteError(ERROR_CODES.CONTEXT_UNAVAILABLE, `${this.context} did not answer ${pattern}`)): this {
    this.failures.set(pattern, [...(this.failures.get(pattern) ?? []), error]);
    return this;
  }

  /** Makes the next request of `pattern` be served, but its reply lost: the caller gets CONTEXT_UNAVAILABLE, as after a timeout. */
  loseNextReply(pattern: string): this {
    this.lostReplies.set(pattern, (this.lostReplies.get(pattern) ?? 0) + 1);
    return this;
  }

  async send<TReply>(pattern: string, request: unknown): Promise<TReply> {
    await nextTurn();
    const sent = throughJson(request) as Record<string, unknown>;
    this.calls.push({ pattern, request: sent });
    const failure = this.failures.get(pattern)?.shift();
    if (failure) throw failure;
    const answer = this.answers.get(pattern);
    if (!answer) throw new RemoteError(ERROR_CODES.NO_HANDLER, `${this.context} serves no handler for ${pattern}`);
    try {
      const reply = throughJson(await answer(sent)) as TReply;
      const lost = this.lostReplies.get(pattern) ?? 0;
      if (lost > 0) {
        this.lostReplies.set(pattern, lost - 1);
        throw new RemoteError(ERROR_CODES.CONTEXT_UNAVAILABLE, `${this.context} did not answer ${pattern} in time`);
      }
      return reply;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const { errors, ...details } = (error.details ?? {}) as { errors?: RemoteError['errors'] } & Record<string, unknown>;
      throw new RemoteError(error.code, error.message, errors, Object.keys(details).length > 0 ? details : undefined);
    }
  }

  requestsOf(pattern: string): Record<string, unknown>[] {
    return this.calls.filter((call) => call.pattern === pattern).map((call) => call.request);
  }

  asClient(): ContextClient {
    return this as unknown as ContextClient;
  }
}
