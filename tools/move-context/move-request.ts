import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONTEXT_NAMES, type ContextName } from '@tessera/contracts';
import { withoutPassword as shown } from '@tessera/messaging';

/** Why a move was refused or failed, in one line that says what to do. */
export class MoveRefusal extends Error {}

export interface MoveRequest {
  context: ContextName;
  /**
   * Where the context's schema is now: a database URL (DATABASE_URL, or its own <CONTEXT>_DATABASE_URL), or the
   * folder of an embedded database, as an absolute path (`embedded`).
   */
  from: string;
  embedded: boolean;
  /** The database it is to live in from now on. */
  to: string;
}

export interface MoveReport {
  /** Each table of the schema with its rows, counted alike on both databases once the copy was made. */
  tables: { name: string; rows: number }[];
  extensions: string[];
  /** Why the schema was made by the context's migrations and its rows copied, where pg_dump and pg_restore could not copy it. */
  copiedRowsBecause?: string;
}

/**
 * The arguments `npm run move-context -- <context> <from> <to-url>` takes, `<from>` a database URL or an embedded
 * database's folder, or why they are refused.
 */
export function moveRequestOf(args: readonly string[]): MoveRequest {
  const [context, from, to] = args;
  if (args.length !== 3 || !context || !from || !to) {
    throw new MoveRefusal('usage: npm run move-context -- <context> <from-database-url or embedded-database-folder> <to-database-url>');
  }
  if (!(CONTEXT_NAMES as readonly string[]).includes(context)) {
    throw new MoveRefusal(`"${context}" is not a context; choose one of ${CONTEXT_NAMES.join(', ')}`);
  }
  if (!isDatabaseUrl(to)) throw new MoveRefusal(`"${shown(to)}" is not a postgres:// URL`);
  if (!isDatabaseUrl(from)) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(from)) throw new MoveRefusal(`"${shown(from)}" is not a postgres:// URL`);
    const folder = resolve(from);
    // Its version file is what every Postgres data folder has, and what an empty or mistyped folder lacks.
    if (!existsSync(join(folder, 'PG_VERSION')))
      throw new MoveRefusal(`${folder} is not an embedded database's folder (EMBEDDED_DB_DIR), nor is "${from}" a postgres:// URL`);
    return { context: context as ContextName, from: folder, embedded: true, to };
  }
  if (sameDatabase(from, to)) throw new MoveRefusal(`${shown(from)} and ${shown(to)} are the same database`);
  return { context: context as ContextName, from, embedded: false, to };
}

function isDatabaseUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//.test(text);
}

function sameDatabase(one: string, other: string): boolean {
  const key = (url: string) => {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  };
  try {
    return key(one) === key(other);
  } catch {
    return one === other;
  }
}
