import { IntegrationEventPublisher, Outbox } from '@tessera/messaging';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { createMigratedContextDatabase } from '../../../../../test/harness/postgres';
import { Email } from '../../domain/email.value-object';
import { User } from '../../domain/user.aggregate';
import { EmailTakenError } from '../../domain/user.errors';
import { UserName } from '../../domain/user-name.value-object';
import { UserVersionConflictError } from '../../domain/user.repository';
import { USERS_MIGRATIONS } from '../migrations';
import { TypeOrmUserRepository } from './typeorm-user.repository';
import { UserOrmEntity } from './user.orm-entity';
import { describeWith } from '../../../../../test/harness/services';

// Against a real Postgres, through the real migration, so what is checked is
// what SQL does. Like the e2e suites it runs with CI=true or TEST_POSTGRES_URL
// (there a missing server fails the run); elsewhere it is skipped. PGlite is
// not an option here: its WASM loader needs a flag jest's module sandbox lacks.
describeWith(['postgres'])('TypeOrmUserRepository', () => {
  let drop: () => Promise<void>;
  let dataSource: DataSource;
  let repository: TypeOrmUserRepository;

  beforeAll(async () => {
    ({ dataSource, drop } = await createMigratedContextDatabase({
      context: 'users',
      entities: [UserOrmEntity],
      migrations: USERS_MIGRATIONS,
    }));
    // Nothing listens: the specs read what the outbox holds, not what it delivers.
    const publisher = { publish: async () => undefined } as unknown as IntegrationEventPublisher;
    repository = new TypeOrmUserRepository(dataSource.getRepository(UserOrmEntity), new Outbox('users', dataSource, publisher));
  }, 30_000);

  afterAll(async () => {
    await drop?.();
  });

  beforeEach(() => dataSource.query('TRUNCATE "users"."users"'));

  function newUser(email: string, at?: Date): User {
    const user = User.register({ email: Email.of(email), name: UserName.of('Ada'), passwordHash: '$scrypt$hash', role: 'customer', now: at });
    user.pullEvents();
    return user;
  }

  it('stores a user and reads it back unchanged, by id and by email', async () => {
    const user = newUser('ada@example.com', new Date('2026-01-02T03:04:05.678Z'));
    await repository.insert(user);
    expect((await repository.findById(user.id))?.toSnapshot()).toEqual(user.toSnapshot());
    expect((await repository.findByEmail(Email.of('ADA@example.com')))?.id).toBe(user.id);
  });

  it('writes the events of a change to the outbox with it, and none when the change is refused', async () => {
    const user = newUser('outbox@example.com');
    const event = { pattern: 'users.user.registered', payload: { userId: user.id } };
    await repository.insert(user, [event]);
    const clash = newUser('OUTBOX@example.com');
    await expect(repository.insert(clash, [{ pattern: 'users.user.registered', payload: { userId: clash.id } }])).rejects.toMatchObject({
      code: 'EMAIL_TAKEN',
    });
    const rows = (await dataSource.query(`SELECT pattern, payload FROM users.outbox WHERE payload->>'userId' IN ($1, $2)`, [user.id, clash.id])) as unknown[];
    expect(rows).toEqual([{ pattern: 'users.user.registered', payload: { userId: user.id } }]);
  });

  it('answers null for an unknown id, and for a malformed one without a query', async () => {
    const queries = jest.spyOn((dataSource.driver as PostgresDriver).master, 'query');
    await expect(repository.findById('00000000-0000-4000-8000-000000000000')).resolves.toBeNull();
    expect(queries).toHaveBeenCalledTimes(1);
    await expect(repository.findById("x' OR '1'='1")).resolves.toBeNull();
    expect(queries).toHaveBeenCalledTimes(1);
    queries.mockRestore();
  });

  it('turns a clash on the email index into EMAIL_TAKEN, on insert and on update', async () => {
    await repository.insert(newUser('ada@example.com'));
    await expect(repository.insert(newUser('ada@example.com'))).rejects.toBeInstanceOf(EmailTakenError);

    const grace = newUser('grace@example.com');
    await repository.insert(grace);
    const stored = (await repository.findById(grace.id))!;
    stored.changeEmail(Email.of('ada@example.com'));
    await expect(repository.update(stored)).rejects.toBeInstanceOf(EmailTakenError);
  });

  it('saves an update at the version it was read at, and moves the version on', async () => {
    const user = newUser('ada@example.com');
    await repository.insert(user);
    const read = (await repository.findById(user.id))!;
    read.changeName(UserName.of('Ada King'));
    read.deactivate();
    await repository.update(read);
    expect((await repository.findById(user.id))?.toSnapshot()).toMatchObject({ name: 'Ada King', status: 'inactive', version: 2 });
  });

  it('refuses an update read before someone else saved, and keeps what they saved', async () => {
    const user = newUser('ada@example.com');
    await repository.insert(user);
    const first = (await repository.findById(user.id))!;
    const second = (await repository.findById(user.id))!;
    first.changeName(UserName.of('First'));
    await repository.update(first);
    second.changeName(UserName.of('Second'));
    await expect(repository.update(second)).rejects.toBeInstanceOf(UserVersionConflictError);
    expect((await repository.findById(user.id))?.name.value).toBe('First');
  });

  it('pages in registration order, ties broken by id, with the total', async () => {
    const sameInstant = new Date('2026-01-01T00:00:00.000Z');
    const users = [
      newUser('c@example.com', new Date('2026-03-01T00:00:00.000Z')),
      newUser('a1@example.com', sameInstant),
      newUser('a2@example.com', sameInstant),
    ];
    for (const user of users) await repository.insert(user);
    const expected = [users[1], users[2]].map((user) => user.id).sort();
    const first = await repository.list(0, 2);
    const second = await repository.list(2, 2);
    expect(first.total).toBe(3);
    expect(first.users.map((user) => user.id)).toEqual(expected);
    expect(second.users.map((user) => user.email.value)).toEqual(['c@example.com']);
  });

  it('keeps role and status to their known values even against a careless writer', async () => {
    const user = newUser('ada@example.com');
    await repository.insert(user);
    await expect(dataSource.query(`UPDATE "users"."users" SET "role" = 'root' WHERE "id" = $1`, [user.id])).rejects.toThrow(/users_role_check/);
  });
});
