import { Logger } from '@nestjs/common';
import type { IntegrationEventEnvelope } from '@tessera/contracts';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { WireEnvelope } from '../../libs/messaging/src/correlation/correlation.envelope';
import { Inbox } from '../../libs/messaging/src/persistence/inbox';
import { RabbitEvents } from '../../libs/messaging/src/rmq/rabbit-events';
import { BrokerNames } from '../../libs/messaging/src/transports/broker-names';

/**
 * A consumer process for RabbitEvents' kill case, run with run-typescript.js:
 * it takes ordering's events on RabbitMQ (PROBE_RABBITMQ_URL, PROBE_NAMESPACE, on event queues of
 * PROBE_QUEUE_TYPE, classic unless it says quorum)
 * through an inbox in the `probe` schema of PROBE_DATABASE_URL, as a context
 * does. The first delivery of an event ever fails, asking for a pause of
 * PROBE_PAUSE_MS, and leaves `<eventId>.failed` in PROBE_DIR; a later one is
 * processed, which inserts a row into probe.effects in the inbox's
 * transaction. Every delivery adds this process's pid to
 * `<eventId>.deliveries`. It prints "listening" once it takes events, and
 * dies at TESSERA_FAULT_POINT if that is set.
 */
const markers = process.env.PROBE_DIR!;
const pauseMs = Number(process.env.PROBE_PAUSE_MS);

void (async () => {
  Logger.overrideLogger(['error']);
  const dataSource = await new DataSource({ type: 'postgres', url: process.env.PROBE_DATABASE_URL }).initialize();
  const inbox = new Inbox('probe', dataSource);
  const events = new RabbitEvents(
    [process.env.PROBE_RABBITMQ_URL!],
    new BrokerNames(process.env.PROBE_NAMESPACE!),
    `retrying-consumer-${process.pid}`,
    process.env.PROBE_QUEUE_TYPE === 'quorum' ? 'quorum' : 'classic',
  );
  await events.consume('ordering', async (_pattern, payload) => {
    const event = (payload as WireEnvelope<IntegrationEventEnvelope>).$data;
    appendFileSync(join(markers, `${event.eventId}.deliveries`), `${process.pid}\n`);
    await inbox.processOnce(event, 'ordering', async (manager) => {
      const failed = join(markers, `${event.eventId}.failed`);
      if (!existsSync(failed)) {
        writeFileSync(failed, String(process.pid));
        throw Object.assign(new Error('not processed yet'), { details: { retryAfterMs: pauseMs } });
      }
      await manager.query('INSERT INTO probe.effects (event_id, pid) VALUES ($1, $2)', [event.eventId, process.pid]);
    });
  });
  process.stdout.write('listening\n');
})();
