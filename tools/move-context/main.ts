import { moveContext, MoveRefusal, moveRequestOf } from './move-context';

// npm run move-context -- <context> <from-database-url> <to-database-url>: see moveContext.
async function main(): Promise<void> {
  const request = moveRequestOf(process.argv.slice(2));
  const { tables, extensions } = await moveContext(request);
  const rows = tables.map(({ name, rows: count }) => `  ${request.context}.${name}: ${count} rows`).join('\n');
  const variable = `${request.context.toUpperCase()}_DATABASE_URL`;
  process.stdout.write(
    [
      `Copied the ${request.context} schema${extensions.length > 0 ? `, with the extension(s) ${extensions.join(', ')},` : ''} into the new database:`,
      rows,
      `Next: start every process that hosts ${request.context} with ${variable} set to the new database.`,
      `The old database still has the ${request.context} schema; drop it (DROP SCHEMA ${request.context} CASCADE) once ${request.context} serves from the new one.`,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`move-context: ${error instanceof MoveRefusal ? error.message : String((error as Error).stack ?? error)}\n`);
  process.exit(1);
});
