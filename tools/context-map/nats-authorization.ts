import { CONTEXT_NAMES, GATEWAY, type ContextName } from '@tessera/contracts';
import { BrokerNames } from '@tessera/messaging';
import type { ContextMap } from './context-map';

/** A process of the split deployment that connects to NATS: the gateway, or the app of one context. */
export type NatsProcess = ContextName | typeof GATEWAY;

/** The processes of the split deployment, each of which gets a user of its own. */
export const NATS_PROCESSES: readonly NatsProcess[] = [GATEWAY, ...CONTEXT_NAMES];

/** The MESSAGING_NAMESPACE the committed docker/nats/authorization.conf is made for: the apps' default. */
export const DEFAULT_NATS_NAMESPACE = 'tessera';

/** What one process's NATS user may do, and where the server finds its password. */
export interface NatsUser {
  process: NatsProcess;
  user: string;
  passwordVariable: string;
  publish: string[];
  subscribe: string[];
  /** Whether it answers requests: then it may publish once to the reply subject of each request it received, and no other. */
  allowResponses: boolean;
}

/** The user a process logs in to NATS as: under the namespace, so that deployments sharing a server keep apart. */
export function natsUserName(namespace: string, process: NatsProcess): string {
  return `${namespace}-${process}`;
}

/** The environment variable nats-server reads a process's password from: `ORDERING_NATS_PASSWORD`. */
export function natsPasswordVariable(process: NatsProcess): string {
  return `${process.toUpperCase()}_NATS_PASSWORD`;
}

/**
 * The least each process needs on NATS, read from the context map: the
 * requests it sends and the ones it answers, the events it publishes (to each
 * subscriber's subject) and consumes, and the JetStream API calls
 * JetStreamEvents makes for them. Every process declares both streams and
 * every context's durable consumer at its first connection, so each may create
 * those, pinned to their filter subject by the API subject itself; only a
 * consumer's own process may read from it and acknowledge.
 */
export function natsUsersOf(map: ContextMap, namespace: string, processes: readonly NatsProcess[]): NatsUser[] {
  const names = new BrokerNames(namespace);
  const api = '$JS.API';
  const streams = [names.eventsStream, names.broadcastStream];
  const consumingContexts = [...new Set(map.events.flatMap((row) => row.routedTo))].filter((party): party is ContextName => party !== GATEWAY).sort();
  const declaring = [
    `${api}.INFO`,
    ...streams.flatMap((stream) => ['INFO', 'CREATE', 'UPDATE'].map((operation) => `${api}.STREAM.${operation}.${stream}`)),
    ...consumingContexts.map((context) => `${api}.CONSUMER.CREATE.${names.eventsStream}.${context}.${names.eventSubjectPrefix(context)}.>`),
  ];
  return processes.map((process): NatsUser => {
    const sent = map.requests
      .filter((row) => row.owner !== process && row.callers.some((caller) => caller === process || caller === 'every process (health)'))
      .map((row) => names.requestSubject(row.pattern));
    const answers = process !== GATEWAY && map.requests.some((row) => row.owner === process);
    const published = map.events
      .filter((row) => row.publisher === process)
      .flatMap((row) =>
        row.routedTo.map((subscriber) => (subscriber === GATEWAY ? names.broadcastSubject(row.pattern) : names.eventSubject(subscriber, row.pattern))),
      );
    const consumes = map.events.some((row) => row.routedTo.includes(process));
    const consuming = !consumes
      ? []
      : process === GATEWAY
        ? // An ordered consumer of its own, named afresh each time it is made (nats.js), on the gateway's events alone.
          [
            `${api}.CONSUMER.CREATE.${names.broadcastStream}.*.${names.broadcastSubject('>')}`,
            ...['INFO', 'DELETE', 'MSG.NEXT'].map((operation) => `${api}.CONSUMER.${operation}.${names.broadcastStream}.*`),
          ]
        : [
            ...['INFO', 'MSG.NEXT'].map((operation) => `${api}.CONSUMER.${operation}.${names.eventsStream}.${process}`),
            `$JS.ACK.${names.eventsStream}.${process}.>`,
          ];
    return {
      process,
      user: natsUserName(namespace, process),
      passwordVariable: natsPasswordVariable(process),
      publish: [...sorted(sent), ...sorted(published), ...declaring, ...consuming],
      // Replies to its requests and to its JetStream API calls, and the events it pulls, all come to its inboxes; under
      // its own prefix alone, so that it cannot read the replies meant for another process.
      subscribe: [...(answers ? [names.requestWildcard(process as ContextName)] : []), `${names.natsInboxPrefix(process)}.>`],
      allowResponses: answers,
    };
  });
}

function sorted(subjects: string[]): string[] {
  return [...new Set(subjects)].sort();
}

/** docker/nats/authorization.conf: a nats-server `authorization` block with a user of its own for each process. */
export function renderNatsAuthorization(users: readonly NatsUser[], namespace: string): string {
  const list = (subjects: readonly string[]) => ['[', ...subjects.map((subject) => `          "${subject}"`), '        ]'].join('\n');
  return [
    `# Generated by \`npm run context-map\` from the code, for MESSAGING_NAMESPACE=${namespace}. Do not edit.`,
    '# Each Tessera process logs in as a user of its own, which may publish and subscribe to what its code uses and',
    '# nothing else; nats-server reads each password from the environment variable named here. docker/README.md,',
    '# "Network isolation", says how to use it.',
    'authorization {',
    '  users = [',
    ...users.map((user) =>
      [
        '    {',
        `      user: "${user.user}"`,
        `      password: $${user.passwordVariable}`,
        '      permissions {',
        `        publish: ${list(user.publish)}`,
        `        subscribe: ${list(user.subscribe)}`,
        ...(user.allowResponses ? ['        allow_responses: true'] : []),
        '      }',
        '    }',
      ].join('\n'),
    ),
    '  ]',
    '}',
    '',
  ].join('\n');
}
