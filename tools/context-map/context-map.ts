import 'reflect-metadata';
import { PATTERN_EXTRAS_METADATA, PATTERN_HANDLER_METADATA, PATTERN_METADATA } from '@nestjs/microservices/constants';
import * as contracts from '@tessera/contracts';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Who takes part in messages: a context, or the gateway. */
type Party = contracts.ContextName | 'gateway';

/** Nest's handler kinds, as its decorators record them. */
const REQUEST_HANDLER = 1;
const EVENT_HANDLER = 2;

/** Who sends a request: a context, the gateway, or every process (the health checks of readiness). */
type Caller = Party | typeof EVERY_PROCESS;
const EVERY_PROCESS = 'every process (health)';

export interface RequestRow {
  pattern: string;
  owner: Party | undefined;
  callers: Caller[];
  contract: string | undefined;
}

export interface EventRow {
  pattern: string;
  publisher: contracts.ContextName;
  subscribers: Party[];
  routedTo: readonly Party[];
  contract: string | undefined;
}

export interface ContextMap {
  requests: RequestRow[];
  events: EventRow[];
  /** What does not add up: a request someone sends that nobody handles, an event routed to a consumer with no handler, … */
  problems: string[];
}

/**
 * Reads the map of who asks whom and who hears what from the code itself:
 * the handlers from the metadata Nest's @MessagePattern and @EventPattern
 * leave on every message controller (loaded through `load`, from the sources
 * or from dist), the callers from which lib names a pattern's constant, the
 * events' routes from EVENT_SUBSCRIBERS, and each pattern's contract type
 * from the doc comment that names it in libs/contracts.
 */
/** A pattern named in code through its context's table: `CATALOG_PATTERNS.RESERVE_STOCK`; a context's name may hold digits. */
export const PATTERN_REFERENCE = /\b([A-Z][A-Z0-9]*_PATTERNS)\.([A-Z0-9_]+)\b/g;

export function readContextMap(root: string, load: (modulePath: string) => Record<string, unknown>): ContextMap {
  const declaredRequests = new Map<string, string>();
  const declaredEvents = new Map<string, string>();
  for (const [name, value] of Object.entries(contracts)) {
    if (/_PATTERNS$/.test(name) && name !== 'DEAD_LETTER_PATTERNS' && isRecordOfStrings(value))
      for (const [key, pattern] of Object.entries(value)) declaredRequests.set(pattern, `${name}.${key}`);
    if (/_EVENTS$/.test(name) && isRecordOfStrings(value)) for (const [key, pattern] of Object.entries(value)) declaredEvents.set(pattern, `${name}.${key}`);
  }
  for (const [context, patterns] of Object.entries(contracts.DEAD_LETTER_PATTERNS)) {
    for (const [key, pattern] of Object.entries(patterns)) declaredRequests.set(pattern, `DEAD_LETTER_PATTERNS.${context}.${key}`);
  }

  const handled = handlersIn(root, load);
  const callers = callersIn(root, declaredRequests);
  const contractsByPattern = contractTypesIn(join(root, 'libs/contracts/src'));
  const problems: string[] = [...handled.misowned];

  const requests = [...declaredRequests.keys()].sort().map((pattern): RequestRow => {
    const owners = handled.requests.get(pattern) ?? [];
    const callersOf = [...(callers.get(pattern) ?? [])].filter((caller) => !owners.includes(caller as Party)).sort() as Caller[];
    if (owners.length === 0 && callersOf.length > 0) problems.push(`${pattern} is sent by ${callersOf.join(', ')} but no message controller handles it`);
    if (owners.length > 1) problems.push(`${pattern} is handled by ${owners.join(' and ')}`);
    return { pattern, owner: owners[0], callers: callersOf, contract: contractsByPattern.get(pattern) };
  });
  for (const pattern of handled.requests.keys()) if (!declaredRequests.has(pattern)) problems.push(`${pattern} is handled but no contract declares it`);

  const events = [...declaredEvents.keys()].sort().map((pattern): EventRow => {
    const subscribers = [...(handled.events.get(pattern) ?? [])].sort();
    const routedTo = contracts.EVENT_SUBSCRIBERS[pattern] ?? [];
    for (const consumer of routedTo)
      if (!subscribers.includes(consumer)) problems.push(`${pattern} is routed to ${consumer} (EVENT_SUBSCRIBERS) but ${consumer} has no handler of it`);
    for (const consumer of subscribers)
      if (!routedTo.includes(consumer)) problems.push(`${consumer} handles ${pattern}, which EVENT_SUBSCRIBERS does not route to it`);
    return { pattern, publisher: pattern.split('.')[0] as contracts.ContextName, subscribers, routedTo, contract: contractsByPattern.get(pattern) };
  });
  return { requests, events, problems };
}

/**
 * The patterns each message controller handles, by its owner: the context whose lib it is in, or the gateway; and
 * each event handler whose controller says it consumes for another (a process would hand it that one's deliveries).
 */
function handlersIn(
  root: string,
  load: (modulePath: string) => Record<string, unknown>,
): { requests: Map<string, Party[]>; events: Map<string, Party[]>; misowned: string[] } {
  const requests = new Map<string, Party[]>();
  const events = new Map<string, Party[]>();
  const misowned: string[] = [];
  const note = (map: Map<string, Party[]>, pattern: string, party: Party) => map.set(pattern, [...new Set([...(map.get(pattern) ?? []), party])]);
  for (const file of sourcesUnder(join(root, 'libs')).filter((path) => path.endsWith('.messages.controller.ts'))) {
    const lib = libOf(root, file);
    for (const exported of Object.values(load(file.replace(/\.ts$/, '')))) {
      if (typeof exported !== 'function') continue;
      // A controller made per context (the dead letters one) is asked for each context; a class is read as it is.
      const controllers: [Party, unknown][] = /ControllerFor$/.test(exported.name)
        ? contracts.CONTEXT_NAMES.map((context) => [context, (exported as (context: string) => unknown)(context)])
        : [[lib as Party, exported]];
      for (const [owner, controller] of controllers) {
        const prototype = (controller as { prototype?: object })?.prototype;
        if (!prototype) continue;
        for (const name of Object.getOwnPropertyNames(prototype)) {
          const method = Object.getOwnPropertyDescriptor(prototype, name)?.value;
          if (typeof method !== 'function' || name === 'constructor') continue;
          const patterns: unknown[] = Reflect.getMetadata(PATTERN_METADATA, method) ?? [];
          const kind = Reflect.getMetadata(PATTERN_HANDLER_METADATA, method);
          for (const pattern of patterns.filter((p): p is string => typeof p === 'string')) {
            if (kind === REQUEST_HANDLER) note(requests, pattern, owner);
            if (kind === EVENT_HANDLER) note(events, pattern, owner);
            const consumer = (Reflect.getMetadata(PATTERN_EXTRAS_METADATA, method) as { consumer?: string } | undefined)?.consumer;
            if (kind === EVENT_HANDLER && consumer !== owner)
              misowned.push(`${(controller as { name: string }).name}.${name} of ${owner} handles ${pattern} for ${consumer ?? 'no consumer'}`);
          }
        }
      }
    }
  }
  return { requests, events, misowned };
}

/** Which lib names each request pattern's constant (or, for the dead letters, the table of them) outside the contracts. */
function callersIn(root: string, declared: Map<string, string>): Map<string, Set<string>> {
  const callers = new Map<string, Set<string>>();
  const byConstant = new Map([...declared].map(([pattern, constant]) => [constant, pattern]));
  for (const file of [...sourcesUnder(join(root, 'libs')), ...sourcesUnder(join(root, 'apps'))]) {
    const lib = libOf(root, file);
    if (lib === 'contracts' || lib === 'messaging' || lib === 'shared-kernel') continue;
    const source = readFileSync(file, 'utf8');
    // Readiness, in every process, asks each context it checks by the pattern every context answers.
    if (lib === 'platform') {
      if (/\bhealthCheckPatternOf\(/.test(source))
        for (const pattern of declared.keys()) if (pattern.endsWith('.check-health')) callers.set(pattern, new Set([EVERY_PROCESS]));
      continue;
    }
    const named = [...source.matchAll(PATTERN_REFERENCE)].map(([, table, key]) => byConstant.get(`${table}.${key}`));
    // The gateway asks every context about its dead letters, through the table rather than one constant.
    if (/\bDEAD_LETTER_PATTERNS\[/.test(source))
      for (const [constant, pattern] of byConstant) if (constant.startsWith('DEAD_LETTER_PATTERNS.')) named.push(pattern);
    for (const pattern of named) if (pattern) callers.set(pattern, (callers.get(pattern) ?? new Set()).add(lib));
  }
  return callers;
}

/**
 * The type a contract file declares right under a doc comment that starts with
 * the pattern (`/** users.get-user (v1) … *\/ export interface GetUserRequest`),
 * or with `<context>.` for a pattern every context has.
 */
function contractTypesIn(directory: string): Map<string, string> {
  const types = new Map<string, string>();
  const documented = /\/\*\*((?:[^*]|\*(?!\/))*)\*\/\s*export\s+(?:interface|type)\s+(\w+)/g;
  // The patterns a comment opens with: `catalog.reserve-stock (v1)`, or several, `a.x and a.y (v1)`.
  const opening = /^\s*\*?\s*((?:`?(?:<context>|[a-z][a-z0-9]*)\.[a-z.-]+`?(?:,\s*|\s+and\s+|\s*\*\s*)?)+)/;
  for (const file of sourcesUnder(directory)) {
    for (const [, body, type] of readFileSync(file, 'utf8').matchAll(documented)) {
      const named = opening.exec(body)?.[1].match(/(?:<context>|[a-z][a-z0-9]*)\.[a-z.-]+/g) ?? [];
      for (const pattern of named) {
        const [prefix, rest] = [pattern.slice(0, pattern.indexOf('.')), pattern.slice(pattern.indexOf('.') + 1)];
        const patterns = prefix === '<context>' ? contracts.CONTEXT_NAMES.map((context) => `${context}.${rest}`) : [pattern];
        for (const each of patterns) if (!types.has(each)) types.set(each, type);
      }
    }
  }
  return types;
}

function sourcesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !path.split(sep).includes('testing'))
    .sort();
}

/** The lib (or app) a file belongs to: libs/ordering/src/… is ordering. */
function libOf(root: string, file: string): string {
  return relative(root, file).split(sep)[1];
}

function isRecordOfStrings(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((entry) => typeof entry === 'string');
}

const PARTIES: readonly Party[] = ['gateway', ...contracts.CONTEXT_NAMES];

/** A Mermaid node id for a party or caller: a name such as "every process (health)" is only a node's label. */
function nodeId(name: string): string {
  return name.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '');
}

/** `from|to` as a Mermaid edge between their nodes. */
function arrow(edge: string, link: string): string {
  const [from, to] = edge.split('|');
  return `${nodeId(from)} ${link} ${nodeId(to)}`;
}

/** docs/context-map.md: a Mermaid diagram of who asks and who hears whom, and a table of every request and event. */
export function renderContextMap(map: ContextMap): string {
  const edges = new Map<string, number>();
  for (const row of map.requests)
    for (const caller of row.callers) if (row.owner) edges.set(`${caller}|${row.owner}`, (edges.get(`${caller}|${row.owner}`) ?? 0) + 1);
  const eventEdges = new Map<string, string[]>();
  for (const row of map.events)
    for (const subscriber of row.subscribers)
      eventEdges.set(`${row.publisher}|${subscriber}`, [
        ...(eventEdges.get(`${row.publisher}|${subscriber}`) ?? []),
        row.pattern.split('.').slice(1).join('.'),
      ]);
  const cell = (values: readonly string[]) => (values.length > 0 ? values.join(', ') : '—');
  return [
    '# Context map',
    '',
    'Generated from the code by `npm run context-map`: the handlers from the metadata of the message controllers, the',
    "callers from which lib names each pattern, the events' routes from `EVENT_SUBSCRIBERS`, the contract types from",
    '`libs/contracts`. A test fails when this file is stale, or when a pattern is sent that nobody handles. Do not edit.',
    '',
    '```mermaid',
    'flowchart LR',
    ...[...PARTIES, ...new Set(map.requests.flatMap((row) => row.callers).filter((caller) => !PARTIES.includes(caller as Party)))].map(
      (node) => `  ${nodeId(node)}["${node}"]`,
    ),
    ...[...edges].sort().map(([edge, count]) => `  ${arrow(edge, `-->|${count} request${count === 1 ? '' : 's'}|`)}`),
    ...[...eventEdges].sort().map(([edge, names]) => `  ${arrow(edge, `-.->|${names.join(', ')}|`)}`),
    '```',
    '',
    'Solid arrows: requests, from the caller to the context that answers. Dotted: events, from the publisher to each',
    'consumer.',
    '',
    '## Requests',
    '',
    '| pattern | answered by | sent by | contract type |',
    '| --- | --- | --- | --- |',
    ...map.requests.map((row) => `| \`${row.pattern}\` | ${row.owner ?? '—'} | ${cell(row.callers)} | ${row.contract ? `\`${row.contract}\`` : '—'} |`),
    '',
    '## Events',
    '',
    '| event | published by | consumed by | type |',
    '| --- | --- | --- | --- |',
    ...map.events.map((row) => `| \`${row.pattern}\` | ${row.publisher} | ${cell(row.subscribers)} | ${row.contract ? `\`${row.contract}\`` : '—'} |`),
    '',
  ].join('\n');
}
