// Removes what one bench run left on a broker under its namespace: NATS streams, RabbitMQ queues and exchanges,
// named as the apps of the build being measured name them.
const { join } = require('node:path');

const CONTEXTS = ['users', 'catalog', 'ordering', 'payments'];

async function removeNamespace(transport, namespace) {
  const { BrokerNames, EVENT_RETRY_DELAYS_MS } = require(join(__dirname, '..', 'dist', 'libs', 'messaging', 'src', 'transports', 'broker-names'));
  const names = new BrokerNames(namespace);
  if (transport === 'nats') {
    const { connect } = require('nats');
    const { natsConnectionOptions } = require(join(__dirname, '..', 'dist', 'libs', 'messaging', 'src', 'nats', 'nats-connection-options'));
    const connection = await connect(natsConnectionOptions(process.env.NATS_URL ?? 'nats://127.0.0.1:4222'));
    const manager = await connection.jetstreamManager();
    for (const stream of [names.eventsStream, names.broadcastStream]) await manager.streams.delete(stream).catch(() => undefined);
    await connection.close();
  } else if (transport === 'rmq') {
    const amqp = require('amqplib');
    // The first of a cluster's nodes: what one declares, every node of the cluster has.
    const connection = await amqp.connect((process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672').split(',')[0].trim());
    const channel = await connection.createChannel();
    for (const context of CONTEXTS) {
      await channel.deleteQueue(names.rabbitRequestQueue(context));
      await channel.deleteQueue(names.rabbitRequestQueueOf0_1_0(context));
      await channel.deleteQueue(names.eventQueue(context));
      for (const delayMs of EVENT_RETRY_DELAYS_MS) await channel.deleteQueue(names.eventRetryQueue(context, delayMs));
    }
    await channel.deleteExchange(names.eventsExchange);
    await channel.deleteExchange(names.broadcastExchange);
    await connection.close();
  }
}

module.exports = { removeNamespace };
