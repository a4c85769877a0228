import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { removeRabbitNamespace, TEST_RABBITMQ_URL, testNamespace } from '../../../../test/harness/brokers';
import { untilPasses } from '../../../../test/harness/eventually';
import { describeWith } from '../../../../test/harness/services';
import type { WireEnvelope } from '../correlation/correlation.envelope';
import { BrokerNames } from '../transports/broker-names';
import { RabbitEvents } from './rabbit-events';

jest.setTimeout(30_000);

/** More than a consumer's prefetch (32), so that a stop finds events taken from the queue and not yet handled. */
const EVENTS = 48;
const HANDLING_MS = 15;

describeWith(['rmq'])('RabbitEvents on a real RabbitMQ', () => {
  const namespace = testNamespace('rabbit-events');
  const names = new BrokerNames(namespace);
  const opened: RabbitEvents[] = [];

  const open = () => {
    const events = new RabbitEvents(TEST_RABBITMQ_URL, names, `rabbit-events-spec-${opened.length}`);
    opened.push(events);
    return events;
  };

  beforeAll(() => Logger.overrideLogger(false));

  afterAll(async () => {
    await Promise.all(opened.map((events) => events.close()));
    await removeRabbitNamespace(namespace);
    Logger.overrideLogger(true);
  });

  it('leaves the next consumer the events a stopped one had not handled, and none of those it had', async () => {
    const publisher = open();
    const eventIds = Array.from({ length: EVENTS }, () => randomUUID());
    for (const eventId of eventIds) await publisher.deliver('ordering', 'ordering.probe.happened', { eventId });

    const handled: { by: string; eventId: string }[] = [];
    const handler = (by: string) => async (_pattern: string, payload: unknown) => {
      await new Promise((resolve) => setTimeout(resolve, HANDLING_MS));
      handled.push({ by, eventId: (payload as WireEnvelope<{ eventId: string }>).$data.eventId });
    };

    const stop = await open().consume('ordering', handler('first'));
    await untilPasses(() => expect(handled.length).toBeGreaterThanOrEqual(3));
    await stop();
    const handledBeforeStop = handled.length;
    expect(handledBeforeStop).toBeLessThan(EVENTS);

    const stopNext = await open().consume('ordering', handler('next'));
    try {
      await untilPasses(() => expect(handled.length).toBeGreaterThanOrEqual(EVENTS), 20_000);
      // Anything handled twice would come in by now: the next consumer has taken every event there was.
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await stopNext();
    }
    expect(handled.filter(({ by }) => by === 'first')).toHaveLength(handledBeforeStop);
    expect(handled.map(({ eventId }) => eventId).sort()).toEqual([...eventIds].sort());
  });
});
