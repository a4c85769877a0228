import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CONTEXT_NAMES, DEAD_LETTER_PATTERNS, ERROR_CODES } from '@tessera/contracts';
import type { ContextName, DeadLetterActionRequest, DeadLetterSlice, ListDeadLettersRequest } from '@tessera/contracts';
import { ContextClient, contextClientToken, RemoteError } from '@tessera/messaging';
import { Authenticated, CurrentUser, Roles } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { isUuid } from '../common/uuid';
import { ApiNoBodyProblems, ApiProblems } from '../problems/api-problems.decorator';
import { ProblemException } from '../problems/problem.exception';
import { DeadLetterDto, DeadLetterPageDto, DeadLetterReplayedDto, ListDeadLettersQueryDto } from './dead-letter.dto';

/** The furthest into the merged list of every context a page may reach; beyond it, one context at a time. */
const MAX_MERGED_ITEMS = 1000;
const NOT_FOUND = ['DEAD_LETTER_NOT_FOUND: no context holds a dead letter with this id'];

/**
 * The operators' view of dead letters: each context keeps its own, so a list
 * merges theirs (newest failure first) and a replay or discard goes to the
 * context that holds the id.
 */
@ApiTags('admin')
@Authenticated()
@Roles('admin')
@ApiProblems({ 429: ['RATE_LIMITED'], 503: ['CONTEXT_UNAVAILABLE: a context that may hold the dead letter did not answer'] })
@Controller('admin/dead-letters')
export class DeadLettersHttpController {
  private readonly clients: Record<ContextName, ContextClient>;

  // Looked up by name rather than injected one by one, so that a new context in CONTEXT_NAMES is asked too.
  constructor(moduleRef: ModuleRef) {
    this.clients = Object.fromEntries(
      CONTEXT_NAMES.map((context) => [context, moduleRef.get<ContextClient>(contextClientToken(context), { strict: false })]),
    ) as Record<ContextName, ContextClient>;
  }

  @Get()
  @ApiOperation({ summary: 'Lists the dead letters of every context (or one), newest failure first' })
  @ApiOkResponse({ type: DeadLetterPageDto, description: 'A page of dead letters, newest failure first' })
  @ApiProblems({ 400: [`VALIDATION_FAILED: page, limit or context out of range; without ?context= a page reaches at most item ${MAX_MERGED_ITEMS}`] })
  async list(@Query() query: ListDeadLettersQueryDto): Promise<DeadLetterPageDto> {
    const offset = (query.page - 1) * query.limit;
    const ask = (context: ContextName, request: ListDeadLettersRequest) =>
      this.clients[context].send<DeadLetterSlice, ListDeadLettersRequest>(DEAD_LETTER_PATTERNS[context].LIST, request);
    const narrowed = query.pattern ? { pattern: query.pattern } : {};
    if (query.context) {
      const slice = await ask(query.context, { ...narrowed, offset, limit: query.limit });
      return { items: slice.items.map(DeadLetterDto.of), total: slice.total, page: query.page, limit: query.limit };
    }
    if (offset + query.limit > MAX_MERGED_ITEMS) {
      const message = `without context, a page reaches at most item ${MAX_MERGED_ITEMS}: narrow the list with ?context=`;
      throw new ProblemException(ERROR_CODES.VALIDATION_FAILED, message, { errors: [{ field: 'page', message }] });
    }
    const answers = await Promise.allSettled(CONTEXT_NAMES.map((context) => ask(context, { ...narrowed, offset: 0, limit: offset + query.limit })));
    const slices = answers.flatMap((answer) => (answer.status === 'fulfilled' ? [answer.value] : []));
    const failures = answers.flatMap((answer, index) =>
      answer.status === 'rejected' ? [{ context: CONTEXT_NAMES[index], reason: answer.reason as unknown }] : [],
    );
    // A merged page without one context's letters would read as complete: say which did not answer, and how to list
    // the others, at the moment an operator most needs the list.
    if (failures.length > 0) {
      const other = failures.find(({ reason }) => !(reason instanceof RemoteError && reason.code === ERROR_CODES.CONTEXT_UNAVAILABLE));
      if (other) throw other.reason;
      const silent = failures.map(({ context }) => context);
      const answered = CONTEXT_NAMES.filter((context) => !silent.includes(context)).map((context) => `?context=${context}`);
      const detail =
        answered.length > 0
          ? `${silent.join(', ')} did not answer; the others' dead letters are listed with ${answered.join(', ')}.`
          : 'No context answered; try again shortly.';
      throw new ProblemException(ERROR_CODES.CONTEXT_UNAVAILABLE, detail, { detailWrittenForClients: true });
    }
    const merged = slices
      .flatMap((slice) => slice.items)
      .sort((a, b) => b.lastFailedAt.localeCompare(a.lastFailedAt) || a.id.localeCompare(b.id))
      .slice(offset, offset + query.limit);
    return { items: merged.map(DeadLetterDto.of), total: slices.reduce((sum, slice) => sum + slice.total, 0), page: query.page, limit: query.limit };
  }

  @Post(':id/replay')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Delivers a dead letter again to the one consumer that failed it',
    description:
      "It is processed once, through that consumer's inbox; if it fails again it is a dead letter again, its attempts counted " +
      '(500 INTERNAL), or 503 CONTEXT_UNAVAILABLE when what the consumer needs is away: replay it again once that is back.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiAcceptedResponse({ type: DeadLetterReplayedDto, description: 'Handed back to its one consumer, which processes it once' })
  @ApiProblems({ 404: NOT_FOUND })
  @ApiNoBodyProblems()
  replay(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<DeadLetterReplayedDto> {
    return this.onTheHolder(id, user, 'REPLAY');
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Discards a dead letter for good' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Discarded' })
  @ApiProblems({ 404: NOT_FOUND })
  @ApiNoBodyProblems()
  async discard(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<void> {
    await this.onTheHolder(id, user, 'DISCARD');
  }

  /**
   * Asks every context, since only the one holding the id acts on it; the
   * others answer DEAD_LETTER_NOT_FOUND. A context that did not answer may be
   * the holder, so its failure is answered rather than a 404.
   */
  private async onTheHolder<T>(id: string, user: AuthenticatedUser, action: 'REPLAY' | 'DISCARD'): Promise<T> {
    if (!isUuid(id)) throw new ProblemException(ERROR_CODES.DEAD_LETTER_NOT_FOUND, 'No such dead letter.');
    const request: DeadLetterActionRequest = { id: id.toLowerCase(), requestedBy: `admin ${user.id}` };
    const answers = await Promise.allSettled(
      CONTEXT_NAMES.map((context) => this.clients[context].send<T, DeadLetterActionRequest>(DEAD_LETTER_PATTERNS[context][action], request)),
    );
    const done = answers.find((answer): answer is PromiseFulfilledResult<Awaited<T>> => answer.status === 'fulfilled');
    if (done) return done.value;
    const failure = answers
      .map((answer) => (answer as PromiseRejectedResult).reason)
      .find((reason) => !(reason instanceof RemoteError && reason.code === ERROR_CODES.DEAD_LETTER_NOT_FOUND));
    if (failure) throw failure;
    throw new ProblemException(ERROR_CODES.DEAD_LETTER_NOT_FOUND, 'No such dead letter.');
  }
}
