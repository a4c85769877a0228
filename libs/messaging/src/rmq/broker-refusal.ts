import { ConfigurationError } from '../startup/start-refusal';

// AMQP's channel-level refusals: ACCESS_REFUSED, NOT_FOUND, RESOURCE_LOCKED, PRECONDITION_FAILED.
const ACCESS_REFUSED = 403;
const PRECONDITION_FAILED = 406;
const REFUSALS = new Set([ACCESS_REFUSED, 404, 405, PRECONDITION_FAILED]);

/**
 * RabbitMQ refused to set up a queue or exchange the way every Tessera
 * process declares it, most often because one of that name already exists with
 * other arguments: a quorum queue or a TTL set by hand, or an older version's
 * declaration. The broker closes the channel, and declaring again can only be
 * refused again, so the process says what to change instead of retrying.
 */
export class BrokerRefusalError extends ConfigurationError {}

/**
 * The refusal in `error`, as a BrokerRefusalError saying what to do about it;
 * undefined when `error` is something else (a connection lost meanwhile, say).
 */
export function brokerRefusalOf(error: unknown, settingUp: string): BrokerRefusalError | undefined {
  if (error instanceof BrokerRefusalError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'number' || !REFUSALS.has(code)) return undefined;
  const brokerText = brokerTextOf(error as Error);
  return new BrokerRefusalError(`RabbitMQ refused to set up ${settingUp}: ${brokerText}.${adviceFor(code, brokerText)}`);
}

function adviceFor(code: number, brokerText: string): string {
  // The broker answers ACCESS_REFUSED too to a consumer of a queue another connection consumes exclusively.
  if (code === ACCESS_REFUSED && brokerText.includes('in exclusive use'))
    return ' Another connection consumes that queue exclusively (rabbitmqctl list_consumers names it): stop that consumer, and start again.';
  if (code === PRECONDITION_FAILED)
    return (
      ' A queue or exchange of that name exists with other arguments; Tessera declares its own durable, alike in every' +
      ' process, with no arguments but for the TTL and dead-letter route of an event retry queue. Delete it' +
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
