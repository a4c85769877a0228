import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { USERS_PATTERNS } from '@tessera/contracts';
import { UsersMessagesController } from './users.messages.controller';

describe('UsersMessagesController', () => {
  const execute = jest.fn(async (input: unknown) => input);
  const handler = { execute } as never;
  const controller = new UsersMessagesController(handler, handler, handler, handler, handler, handler, handler);

  beforeEach(() => execute.mockClear());

  it('serves every request of USERS_PATTERNS, each exactly once', () => {
    const prototype = UsersMessagesController.prototype as unknown as Record<string, object>;
    const served = Object.getOwnPropertyNames(prototype).flatMap(
      (method) => (Reflect.getMetadata(PATTERN_METADATA, prototype[method]) as string[] | undefined) ?? [],
    );
    expect(served.sort()).toEqual(Object.values(USERS_PATTERNS).sort());
  });

  it('hands each request to its use case with the fields of the contract', async () => {
    await controller.registerUser({ email: 'ada@example.com', password: 'correct horse', name: 'Ada' });
    await controller.verifyCredentials({ email: 'ada@example.com', password: 'correct horse' });
    await controller.getUser({ userId: 'u1' });
    await controller.listUsers({ page: 2, limit: 5 });
    await controller.updateProfile({ userId: 'u1', email: 'king@example.com' });
    await controller.deactivateUser({ userId: 'u1' });
    expect(execute.mock.calls.map(([input]) => ({ ...(input as object) }))).toEqual([
      { email: 'ada@example.com', password: 'correct horse', name: 'Ada' },
      { email: 'ada@example.com', password: 'correct horse' },
      { userId: 'u1' },
      { page: 2, limit: 5 },
      { userId: 'u1', changes: { name: undefined, email: 'king@example.com' } },
      { userId: 'u1' },
    ]);
  });
});
