import type { ContextName } from '@tessera/contracts';
import { type ChannelModel, connect } from 'amqplib';
import { BrokerNames } from '../transports/broker-names';

/** Each context's RabbitMQ request queue for this process, and whether it is 0.1.0's, which this process must not declare. */
export type RabbitRequestQueues = ReadonlyMap<ContextName, { name: string; of0_1_0: boolean }>;

/**
 * Which queue each context's requests go through: release 0.1.0's
 * `<ns>.<context>.requests` where the broker has it, else this version's
 * `<ns>.<context>.request-queue`. A 0.1.0 process, caller or context, knows
 * only the former; while one may run (a rolling upgrade from 0.1.0), a
 * process of this version that used the latter would send to a queue nobody
 * takes, or take from one nobody sends to: every request between the two
 * versions timed out. Both versions on the queue that exists answer each
 * other, in any upgrade order. Read once, as the process starts: the 0.1.0
 * queue, declared with 0.1.0's timeout as its TTL, is used as it is, never
 * declared again, and keeps serving after the upgrade (each request also
 * carries its own expiration); a deployment deletes it, if it wants this
 * version's, with every process stopped. ADR 0023.
 */
export async function chooseRabbitRequestQueues(urls: readonly string[], names: BrokerNames, contexts: readonly ContextName[]): Promise<RabbitRequestQueues> {
  const chosen = new Map<ContextName, { name: string; of0_1_0: boolean }>();
  if (contexts.length === 0) return chosen;
  const connection = await connectToAny(urls);
  // Unheard, an error of the connection (the broker gone meanwhile) would end the process instead of failing the start.
  connection.on('error', () => undefined);
  try {
    for (const context of contexts) {
      const of0_1_0 = names.rabbitRequestQueueOf0_1_0(context);
      // A queue that is not there closes the channel that asked (404): one channel a question.
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      const exists = await channel.checkQueue(of0_1_0).then(
        () => true,
        () => false,
      );
      await channel.close().catch(() => undefined);
      chosen.set(context, exists ? { name: of0_1_0, of0_1_0: true } : { name: names.rabbitRequestQueue(context), of0_1_0: false });
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
  return chosen;
}

/** A connection to the first of a cluster's nodes that takes one; the last one's failure when none does. */
async function connectToAny(urls: readonly string[]): Promise<ChannelModel> {
  let failure: unknown;
  for (const url of urls) {
    try {
      return await connect(url);
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}
