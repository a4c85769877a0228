import { Logger } from '@nestjs/common';
import { moveFromEmbedded } from './from-embedded';
import { moveContext } from './move-context';
import { MoveRefusal, moveRequestOf } from './move-request';

// npm run move-context -- <context> <from-database-url or embedded-database-folder> <to-database-url>: see moveContext
// and moveFromEmbedded.
async function main(): Promise<void> {
  // The migrations' and the embedded database's progress lines are the app's, not the tool's; their warnings stay.
  Logger.overrideLogger(['warn', 'error']);
  const request = moveRequestOf(process.argv.slice(2));
  const { context, from, embedded } = request;
  const { tables, extensions, copiedRowsBecause } = embedded ? await moveFromEmbedded(request) : await moveContext(request);
  const rows = tables.map(({ name, rows: count }) => `  ${context}.${name}: ${count} rows`).join('\n');
  const variable = `${context.toUpperCase()}_DATABASE_URL`;
  const left = embedded
    ? `The embedded database in ${from} still has the ${context} schema; remove the folder once every context it holds serves from Postgres.`
    : `The old database still has the ${context} schema; drop it (DROP SCHEMA ${context} CASCADE) once ${context} serves from the new one.`;
  process.stdout.write(
    [
      ...(copiedRowsBecause
        ? [`${copiedRowsBecause.replace(/\s*\n\s*/g, '; ')}; so the schema was made by the context's migrations, and its rows copied.`]
        : []),
      `Copied the ${context} schema${extensions.length > 0 ? `, with the extension(s) ${extensions.join(', ')},` : ''} into the new database:`,
      rows,
      `Next: start every process that hosts ${context} with ${variable} set to the new database${embedded ? ' (or DATABASE_URL, for every context of the process)' : ''}.`,
      left,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`move-context: ${error instanceof MoveRefusal ? error.message : String((error as Error).stack ?? error)}\n`);
  process.exit(1);
});
