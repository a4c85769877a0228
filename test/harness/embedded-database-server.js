// Serves an in-memory embedded database (PGlite behind pglite-socket, as the application's database thread does) on
// the unix socket in the folder given: node embedded-database-server.js <folder>. It runs in a process of its own
// because PGlite cannot load inside jest; it prints "ready" once it takes connections, and stops when its stdin closes.
const { PGlite } = require('@electric-sql/pglite');
const { pg_trgm } = require('@electric-sql/pglite/contrib/pg_trgm');
const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');
const { join } = require('node:path');

(async () => {
  // With the extensions the application's database thread loads (embedded-postgres.worker.ts).
  const db = await PGlite.create({ extensions: { pg_trgm } });
  const server = new PGLiteSocketServer({ db, path: join(process.argv[2], '.s.PGSQL.5432'), maxConnections: 1 });
  await server.start();
  process.stdin.on('end', () => {
    void (async () => {
      await server.stop();
      await db.close();
      process.exit(0);
    })();
  });
  process.stdin.resume();
  process.stdout.write('ready\n');
})().catch((error) => {
  process.stderr.write(String(error?.stack ?? error));
  process.exit(1);
});
