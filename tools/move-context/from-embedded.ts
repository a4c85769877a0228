import { EmbeddedPostgres, embeddedDatabaseHolder } from '@tessera/platform';
import { migrateAndCopy } from './copy-by-migrations';
import { MoveRefusal, type MoveReport, type MoveRequest } from './move-request';
import { connected, extensionsOf } from './schema-reads';

/**
 * Moves a context from an embedded database (a folder: `.data/db`, or a split's `.data/split/<context>`) to a
 * Postgres server, for a shop that began with `npm start` and is to be split, or to run on a server, without losing
 * what it holds. Postgres's own tools cannot do it: pg_dump refuses a server newer than itself, and the embedded
 * database is the newest Postgres. So the schema is made on the new database by the context's migrations and the
 * rows are copied (migrateAndCopy, which says what a kill at each point leaves). Refused while a process holds the
 * folder, since what it wrote after the copy would be lost; the tool then holds it, so the shop cannot start on it
 * meanwhile.
 */
export async function moveFromEmbedded(request: MoveRequest): Promise<MoveReport> {
  const { context, from: folder, to } = request;
  const refuseIfHeld = () => {
    const holder = embeddedDatabaseHolder(folder);
    if (holder !== undefined) {
      throw new MoveRefusal(`the embedded database in ${folder} is in use by process ${holder}: stop it first, or what it writes after the copy is lost`);
    }
  };
  refuseIfHeld();
  const target = await connected(to, 'into');
  let embedded: EmbeddedPostgres | undefined;
  try {
    refuseIfHeld();
    const database = (embedded = await EmbeddedPostgres.start(folder));
    const source = {
      reachedBy: { driver: database.driver() },
      sharedServer: false,
      name: `the embedded database in ${folder}`,
      connection: async () => {
        const client = await database.pool.connect();
        return { client, release: () => client.release() };
      },
    };
    const tables = await migrateAndCopy(context, source, target, to);
    return { tables, extensions: await extensionsOf(target, context) };
  } finally {
    await target.end();
    await embedded?.stop();
  }
}
