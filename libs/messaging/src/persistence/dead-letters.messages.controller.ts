import { Inject, Logger, Type } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DEAD_LETTER_PATTERNS, ERROR_CODES } from '@tessera/contracts';
import type { ContextName, DeadLetterActionRequest, DeadLetterSlice, ListDeadLettersRequest } from '@tessera/contracts';
import { DomainError, ValidationError } from '@tessera/shared-kernel';
import { isDependencyOutage } from '../events/dependency-outage';
import { InProcessBroker } from '../inproc/in-process.broker';
import { MessagesController } from '../messages-controller.decorator';
import { IN_PROCESS_BROKER } from '../messaging.tokens';
import { DeadLetters } from './dead-letters';

// The gateway merges the lists of every context, asking each for all it shows up to the page it serves.
const MAX_PAGE = 1000;

/**
 * The requests a context answers about its own dead letters, under its own
 * patterns (DEAD_LETTER_PATTERNS). A replay hands the letter's event again to
 * this context's handlers of the pattern, and to no other subscriber of it in
 * the process: the context processes it once, through its inbox, and only
 * then is the letter forgotten; if it fails again, it is still a dead letter,
 * its attempts counted (ADR 0017). Every replay and discard is logged with who
 * asked.
 */
export function deadLettersMessagesControllerFor(context: ContextName): Type<unknown> {
  const patterns = DEAD_LETTER_PATTERNS[context];

  @MessagesController()
  class DeadLettersMessagesController {
    private readonly logger = new Logger(`DeadLetters(${context})`);

    constructor(
      private readonly deadLetters: DeadLetters,
      @Inject(IN_PROCESS_BROKER) private readonly broker: InProcessBroker,
    ) {}

    @MessagePattern(patterns.LIST)
    list(@Payload() request: ListDeadLettersRequest): Promise<DeadLetterSlice> {
      const offset = Number(request?.offset ?? 0);
      const limit = Number(request?.limit ?? 20);
      if (!Number.isSafeInteger(offset) || offset < 0) throw ValidationError.of('offset', 'must be a whole number from 0');
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) throw ValidationError.of('limit', `must be 1 to ${MAX_PAGE}`);
      const pattern = typeof request?.pattern === 'string' && request.pattern.length > 0 ? request.pattern : undefined;
      return this.deadLetters.list(context, { pattern, offset, limit });
    }

    @MessagePattern(patterns.REPLAY)
    async replay(@Payload() request: DeadLetterActionRequest): Promise<{ id: string; status: 'REPLAYED' }> {
      // Nothing is written before the consumer's own outcome, so a process killed right after this read, or during the
      // publish, leaves the letter dead, listed and replayable. Killed after the consumer's inbox commit but before the
      // rule forgets the letter, it stays listed: a second replay finds the event processed and forgets it. Killed after
      // a new failure is counted, it is a dead letter again with one more attempt.
      const letter = await this.deadLetters.reopen(String(request?.id));
      if (!letter) throw notFound();
      this.logger.warn(`Dead letter ${request.id} (${letter.pattern}, event ${letter.eventId}) replayed by ${request.requestedBy}`);
      // As a redelivery, with no publication number, so that the delivery rule looks up the letter and finds its pass.
      const { publication: _firstPublication, ...redelivery } = letter.payload;
      try {
        await this.broker.publish(letter.pattern, redelivery, true, context);
      } catch (error) {
        // No handler listening (a stopping process), a database error in the delivery rule, the handler failing again:
        // whatever the consumer did not process is still a dead letter, to replay again.
        this.logger.error(`Replay of dead letter ${request.id} (event ${letter.eventId}) failed: ${(error as Error)?.message ?? error}`);
        // An outage is no fault of the event's (ADR 0020): the operator is told to try again later, as for any 503.
        if (isDependencyOutage(error))
          throw new DomainError(
            ERROR_CODES.CONTEXT_UNAVAILABLE,
            'The replay met an outage of something its consumer needs; it is still a dead letter: replay it again once that is back',
          );
        throw new DomainError(ERROR_CODES.INTERNAL, 'The replay failed; unless its consumer processed the event, it is still a dead letter: replay it again');
      }
      return { id: request.id, status: 'REPLAYED' };
    }

    @MessagePattern(patterns.DISCARD)
    async discard(@Payload() request: DeadLetterActionRequest): Promise<{ id: string }> {
      if (!(await this.deadLetters.discard(String(request?.id)))) throw notFound();
      this.logger.warn(`Dead letter ${request.id} discarded by ${request.requestedBy}`);
      return { id: request.id };
    }
  }

  return DeadLettersMessagesController;
}

function notFound(): DomainError {
  return new DomainError(ERROR_CODES.DEAD_LETTER_NOT_FOUND, 'No such dead letter here');
}
