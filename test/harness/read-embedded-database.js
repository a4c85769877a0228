// Reads a stopped process's embedded database (a PGlite data folder): node read-embedded-database.js <dir> <queries as JSON>.
// It runs in a process of its own because PGlite cannot load inside jest; it prints { name: rows } as JSON.
const { PGlite } = require('@electric-sql/pglite');

(async () => {
  const [dir, queries] = process.argv.slice(2);
  const db = await PGlite.create({ dataDir: dir });
  const answers = {};
  for (const [name, sql] of Object.entries(JSON.parse(queries))) answers[name] = (await db.query(sql)).rows;
  await db.close();
  process.stdout.write(JSON.stringify(answers));
})().catch((error) => {
  process.stderr.write(String(error?.stack ?? error));
  process.exit(1);
});
