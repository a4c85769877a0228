import type { ModuleRef } from '@nestjs/core';
import { CONTEXT_NAMES, ERROR_CODES, type ContextName, type DeadLetterSlice, type DeadLetterView } from '@tessera/contracts';
import { contextClientToken, RemoteError } from '@tessera/messaging';
import { DeadLettersHttpController } from './dead-letters.http.controller';
import { mapToProblem } from '../problems/problem.mapper';
import { ListDeadLettersQueryDto } from './dead-letter.dto';

/** Each context's client answering its own dead letters, or failing as a context that is down. */
function controllerWith(answers: Partial<Record<ContextName, DeadLetterView[] | RemoteError>>): DeadLettersHttpController {
  const clients = new Map(
    CONTEXT_NAMES.map((context) => [
      contextClientToken(context),
      {
        send: async (): Promise<DeadLetterSlice> => {
          const answer = answers[context] ?? [];
          if (answer instanceof RemoteError) throw answer;
          return { items: answer, total: answer.length };
        },
      },
    ]),
  );
  return new DeadLettersHttpController({ get: (token: string) => clients.get(token) } as unknown as ModuleRef);
}

const letter = (context: ContextName, lastFailedAt: string): DeadLetterView => ({
  id: `${context}-${lastFailedAt}`,
  context,
  consumer: context,
  pattern: 'ordering.order.cancelled',
  eventId: 'e-1',
  attempts: 8,
  lastError: 'Error: broken',
  firstFailedAt: lastFailedAt,
  lastFailedAt,
  payload: {},
});

const firstPage = Object.assign(new ListDeadLettersQueryDto(), { page: 1, limit: 20 });

describe('DeadLettersHttpController, listing every context', () => {
  it("merges the contexts' letters, newest failure first", async () => {
    const page = await controllerWith({
      catalog: [letter('catalog', '2030-01-01T00:00:01.000Z')],
      payments: [letter('payments', '2030-01-01T00:00:02.000Z')],
    }).list(firstPage);

    expect(page.items.map((item) => item.context)).toEqual(['payments', 'catalog']);
    expect(page.total).toBe(2);
  });

  it('names the context that did not answer, and how to list the others, instead of a page that reads complete', async () => {
    const listing = controllerWith({
      catalog: [letter('catalog', '2030-01-01T00:00:01.000Z')],
      ordering: new RemoteError(ERROR_CODES.CONTEXT_UNAVAILABLE, 'ordering did not answer in time'),
    }).list(firstPage);

    const refusal = await listing.catch((error: unknown) => error);
    expect(refusal).toMatchObject({ code: ERROR_CODES.CONTEXT_UNAVAILABLE });
    // As the client reads it: the problem filter sends this detail, where a 503's own is otherwise replaced.
    expect(mapToProblem(refusal).problem).toMatchObject({
      status: 503,
      code: ERROR_CODES.CONTEXT_UNAVAILABLE,
      detail: expect.stringMatching(/^ordering did not answer; .*\?context=catalog/),
    });
  });

  it('says that no context answered when none did, rather than name every one and list none', async () => {
    const down = () => new RemoteError(ERROR_CODES.CONTEXT_UNAVAILABLE, 'did not answer in time');
    const listing = controllerWith({ users: down(), catalog: down(), ordering: down(), payments: down() }).list(firstPage);

    expect(mapToProblem(await listing.catch((error: unknown) => error)).problem).toMatchObject({
      status: 503,
      detail: 'No context answered; try again shortly.',
    });
  });
});
