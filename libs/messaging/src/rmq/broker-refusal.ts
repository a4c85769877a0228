import { ConfigurationError } from '../startup/start-refusal';

// AMQP's channel-level refusals: ACCESS_REFUSED, NOT_FOUND, RESOURCE_LOCKED, PRECONDITION_FAILED.
const ACCESS_REFUSED = 403;
const NOT_FOUND = 404;
const PRECONDITION_FAILED = 406;
const REFUSALS = new Set([ACCESS_REFUSED, NOT_FOUND, 405, PRECONDITION_FAILED]);

/**
 * RabbitMQ refused to set up a queue or exchange the way every Tessera
 * process declares it, most often because one of that name already exists with
 * other arguments: a queue of another type or a TTL set by hand, or an older version's
 * declaration. The broker closes the channel, and declaring again can only be
 * refused again, so the process says what to change instead of retrying.
 */
export class BrokerRefusalError extends ConfigurationError {}

/**
 * The refusal in `error`, as a BrokerRefusalError saying what to do about it;
 * undefined when `error` is something else (a connection lost meanwhile, say).
 */
export function brokerRefusalOf(error: unknown, settingUp: string, queueTypeSetting?: string): BrokerRefusalError | undefined {
  if (error instanceof BrokerRefusalError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'number' || !REFUSALS.has(code)) return undefined;
  const brokerText = brokerTextOf(error as Error);
  return new BrokerRefusalError(`RabbitMQ refused to set up ${settingUp}: ${brokerText}.${adviceFor(code, brokerText, queueTypeSetting)}`);
}

/**
 * `queueTypeSetting` names the variable that chooses the type of the queues being set up, where one does: a queue found
 * as another type then most likely comes from processes started with another value of it.
 */
function adviceFor(code: number, brokerText: string, queueTypeSetting?: string): string {
  // The broker answers ACCESS_REFUSED too to a consumer of a queue another connection consumes exclusively.
  if (code === ACCESS_REFUSED && brokerText.includes('in exclusive use'))
    return ' Another connection consumes that queue exclusively (rabbitmqctl list_consumers names it): stop that consumer, and start again.';
  // The broker's words for a queue declared as one type and found as another: "inequivalent arg 'x-queue-type'".
  if (code === PRECONDITION_FAILED && queueTypeSetting && brokerText.includes("'x-queue-type'"))
    return (
      ' The queue exists as another type than this process declares: every process must be given the same' +
      ` ${queueTypeSetting}. A queue cannot change its type in place, so moving to another one means letting the` +
      " queue's consumers empty it, deleting it (rabbitmqctl delete_queue <name>) and starting every process with the new" +
      ' type, or starting them under a new MESSAGING_NAMESPACE.'
    );
  // A classic queue lives on one node of a cluster, and the broker refuses it to everyone while that node is away.
  if (code === NOT_FOUND && brokerText.includes('home node'))
    return (
      ' A classic queue lives on one node of a cluster, and is out of reach while that node is: when it is back, so is' +
      ' the queue. For queues that outlive a node, start every process with RABBITMQ_EVENT_QUEUE_TYPE=quorum (ADR 0026).'
    );
  if (code === PRECONDITION_FAILED)
    return (
      ' A queue or exchange of that name exists with other arguments; Tessera declares its own durable, alike in every' +
      " process, with no arguments but for an event queue's type (RABBITMQ_EVENT_QUEUE_TYPE) and an event retry queue's" +
      ' TTL and dead-letter route. Delete it' +
      ' (rabbitmqctl delete_queue <name>) and the next start declares it' +
      ' again; limits such as a TTL or a maximum length belong in a policy (rabbitmqctl set_policy), which no' +
      ' declaration contradicts.'
    );
  if (code === ACCESS_REFUSED) return " RABBITMQ_URL's user needs configure, write and read permissions on its virtual host (rabbitmqctl set_permissions).";
  return '';
}

// amqplib wraps the broker's own sentence: Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "…".
function brokerTextOf(error: Error): string {
  return /with message "(.*)"$/s.exec(error.message)?.[1] ?? error.message;
}
