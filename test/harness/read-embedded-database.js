// Reads a stopped process's embedded database (a PGlite data folder): node read-embedded-database.js <dir> <queries as JSON>.
// It runs in a process of its own because PGlite cannot load inside jest; it prints { name: rows } as JSON.
const { PGlite } = require('@electric-sql/pglite');
const { pg_trgm } = require('@electric-sql/pglite/contrib/pg_trgm');

(async () => {
  const [dir, queries] = process.argv.slice(2);
  // A folder the application made holds the extensions its database thread loads (embedded-postgres.worker.ts).
  const db = await PGlite.create({ dataDir: dir, extensions: { pg_trgm } });
  const answers = {};
  for (const [name, sql] of Object.entries(JSON.parse(queries))) answers[name] = (await db.query(sql)).rows;
  await db.close();
  process.stdout.write(JSON.stringify(answers));
})().catch((error) => {
  process.stderr.write(String(error?.stack ?? error));
  process.exit(1);
});
