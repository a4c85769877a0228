import { ORDERING_EVENTS } from '@tessera/contracts';
import type { DeadLetterActionRequest, DeadLetterSlice, IntegrationEventEnvelope, ListDeadLettersRequest } from '@tessera/contracts';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createMessagingTestDatabase } from '../testing/messaging-test-database';
import { describeWith } from '../../../../test/harness/services';
import { EventDeliveryRule } from '../events/event-delivery.rule';
import type { InProcessBroker } from '../inproc/in-process.broker';
import { DeadLetters, REPLAY_PASS_MS } from './dead-letters';
import { deadLettersMessagesControllerFor } from './dead-letters.messages.controller';

const PATTERN = ORDERING_EVENTS.ORDER_CANCELLED;
const CONSUMER = 'catalog';
const MAX_ATTEMPTS = 3;

interface DeadLettersController {
  list(request: ListDeadLettersRequest): Promise<DeadLetterSlice>;
  replay(request: DeadLetterActionRequest): Promise<{ id: string; status: 'REPLAYED' }>;
}
const Controller = deadLettersMessagesControllerFor(CONSUMER) as unknown as new (deadLetters: DeadLetters, broker: InProcessBroker) => DeadLettersController;

/**
 * This process's subscribers as a replay reaches them through the in-process
 * broker: the consumer's handler behind its delivery rule. Told to, the
 * publish fails before reaching it, as in a stopping process.
 */
class Subscribers {
  readonly handled: string[] = [];
  stopping = false;
  handlerFails = false;
  handlerFailure = new Error('still broken');

  constructor(private readonly rule: EventDeliveryRule) {}

  async publish(pattern: string, data: unknown): Promise<void> {
    if (this.stopping) throw new Error(`No handler of ${pattern} is listening in this process any more: it is stopping`);
    const event = JSON.parse(JSON.stringify(data)) as IntegrationEventEnvelope;
    await this.rule.deliver(event, pattern, async () => {
      if (this.handlerFails) throw this.handlerFailure;
      this.handled.push(event.eventId);
    });
  }

  asBroker(): InProcessBroker {
    return this as unknown as InProcessBroker;
  }
}

describeWith(['postgres'])('replaying a dead letter', () => {
  let drop: () => Promise<void>;
  let dataSource: DataSource;

  beforeAll(async () => {
    ({ dataSource, drop } = await createMessagingTestDatabase(CONSUMER));
  });

  afterAll(() => drop?.());

  beforeEach(() => dataSource.query(`TRUNCATE ${CONSUMER}.dead_letters`));

  /** An event its consumer failed MAX_ATTEMPTS times: a dead letter, with its id. */
  async function deadLetter(deadLetters: DeadLetters): Promise<{ id: string; eventId: string }> {
    const event = { eventId: randomUUID(), occurredAt: new Date().toISOString(), version: 1, publication: 1, orderId: randomUUID() };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) await deadLetters.recordFailure(event, PATTERN, CONSUMER, new Error('broken'), MAX_ATTEMPTS);
    const [{ id }] = await dataSource.query(`SELECT id FROM ${CONSUMER}.dead_letters WHERE event_id = $1`, [event.eventId]);
    return { id, eventId: event.eventId };
  }

  async function listed(controller: DeadLettersController, id: string) {
    const { items } = await controller.list({ offset: 0, limit: 1000 });
    return items.find((item) => item.id === id);
  }

  const asked = (id: string): DeadLetterActionRequest => ({ id, requestedBy: 'admin@spec' });

  it('answers that a replay whose publish failed failed, and leaves the dead letter listed, counted and replayable', async () => {
    const deadLetters = new DeadLetters(CONSUMER, dataSource);
    const subscribers = new Subscribers(new EventDeliveryRule(deadLetters, CONSUMER, MAX_ATTEMPTS));
    const controller = new Controller(deadLetters, subscribers.asBroker());
    const letter = await deadLetter(deadLetters);

    subscribers.stopping = true;
    await expect(controller.replay(asked(letter.id))).rejects.toMatchObject({ error: { code: 'INTERNAL', message: expect.stringMatching(/replay failed/) } });
    expect(await listed(controller, letter.id)).toMatchObject({ eventId: letter.eventId, attempts: MAX_ATTEMPTS });
    expect(await deadLetters.countDead()).toBe(1);

    subscribers.stopping = false;
    await expect(controller.replay(asked(letter.id))).resolves.toEqual({ id: letter.id, status: 'REPLAYED' });
    expect(subscribers.handled).toEqual([letter.eventId]);
    expect(await listed(controller, letter.id)).toBeUndefined();
    expect(await deadLetters.countDead()).toBe(0);
    await expect(controller.replay(asked(letter.id))).rejects.toMatchObject({ error: { code: 'DEAD_LETTER_NOT_FOUND' } });
  });

  it('answers that a replayed event failed again, and keeps it a dead letter with one more attempt', async () => {
    const deadLetters = new DeadLetters(CONSUMER, dataSource);
    const subscribers = new Subscribers(new EventDeliveryRule(deadLetters, CONSUMER, MAX_ATTEMPTS));
    const controller = new Controller(deadLetters, subscribers.asBroker());
    const letter = await deadLetter(deadLetters);

    subscribers.handlerFails = true;
    await expect(controller.replay(asked(letter.id))).rejects.toMatchObject({ error: { code: 'INTERNAL', message: expect.stringMatching(/replay failed/) } });
    expect(await listed(controller, letter.id)).toMatchObject({ attempts: MAX_ATTEMPTS + 1, lastError: 'Error: still broken' });
    expect(await deadLetters.find(letter.eventId, CONSUMER)).toEqual({ attempts: MAX_ATTEMPTS + 1, dead: true });

    subscribers.handlerFails = false;
    await expect(controller.replay(asked(letter.id))).resolves.toEqual({ id: letter.id, status: 'REPLAYED' });
    expect(subscribers.handled).toEqual([letter.eventId]);
    expect(await listed(controller, letter.id)).toBeUndefined();
  });

  it('answers CONTEXT_UNAVAILABLE to a replay that met an outage of what its consumer needs, keeping it a dead letter to replay later', async () => {
    const deadLetters = new DeadLetters(CONSUMER, dataSource);
    const subscribers = new Subscribers(new EventDeliveryRule(deadLetters, CONSUMER, MAX_ATTEMPTS));
    const controller = new Controller(deadLetters, subscribers.asBroker());
    const letter = await deadLetter(deadLetters);

    subscribers.handlerFails = true;
    subscribers.handlerFailure = Object.assign(new Error('payments did not answer'), { code: 'CONTEXT_UNAVAILABLE' });
    await expect(controller.replay(asked(letter.id))).rejects.toMatchObject({
      error: { code: 'CONTEXT_UNAVAILABLE', message: expect.stringMatching(/still a dead letter/) },
    });
    expect(await listed(controller, letter.id)).toMatchObject({ eventId: letter.eventId });
    expect(await deadLetters.countDead()).toBe(1);

    subscribers.handlerFails = false;
    await expect(controller.replay(asked(letter.id))).resolves.toEqual({ id: letter.id, status: 'REPLAYED' });
    expect(subscribers.handled).toEqual([letter.eventId]);
  });

  it('loses no dead letter to a process killed between opening a replay and publishing it', async () => {
    const killed = new DeadLetters(CONSUMER, dataSource);
    const letter = await deadLetter(killed);
    // The replay's first step, then nothing: the process died before its publish.
    expect(await killed.reopen(letter.id)).toMatchObject({ eventId: letter.eventId, pattern: PATTERN });

    const restarted = new DeadLetters(CONSUMER, dataSource);
    const subscribers = new Subscribers(new EventDeliveryRule(restarted, CONSUMER, MAX_ATTEMPTS));
    const controller = new Controller(restarted, subscribers.asBroker());
    expect(await listed(controller, letter.id)).toMatchObject({ eventId: letter.eventId, attempts: MAX_ATTEMPTS });
    expect(await restarted.countDead()).toBe(1);
    // A broker's redelivery of the event still finds it parked.
    await subscribers.publish(PATTERN, { eventId: letter.eventId, occurredAt: new Date().toISOString(), version: 1 });
    expect(subscribers.handled).toEqual([]);

    await expect(controller.replay(asked(letter.id))).resolves.toEqual({ id: letter.id, status: 'REPLAYED' });
    expect(subscribers.handled).toEqual([letter.eventId]);
    expect(await listed(controller, letter.id)).toBeUndefined();
  });

  it('lists again, at start, a dead letter that a replay of an earlier version took out of the dead ones and lost', async () => {
    const deadLetters = new DeadLetters(CONSUMER, dataSource);
    const controller = new Controller(deadLetters, new Subscribers(new EventDeliveryRule(deadLetters, CONSUMER, MAX_ATTEMPTS)).asBroker());
    const lost = await deadLetter(deadLetters);
    await dataSource.query(`UPDATE ${CONSUMER}.dead_letters SET dead = false WHERE id = $1`, [lost.id]);
    const event = { eventId: randomUUID(), occurredAt: new Date().toISOString(), version: 1, publication: 1 };
    await deadLetters.recordFailure(event, PATTERN, CONSUMER, new Error('once'), MAX_ATTEMPTS);
    // Failed past the limit, but in an outage of what its handler needs: still to be delivered, not a dead letter.
    const waiting = { ...event, eventId: randomUUID() };
    for (let attempt = 0; attempt <= MAX_ATTEMPTS; attempt++) {
      await deadLetters.recordFailure(waiting, PATTERN, CONSUMER, new Error('payments is unavailable'), MAX_ATTEMPTS, true);
    }
    expect(await listed(controller, lost.id)).toBeUndefined();

    await expect(deadLetters.restoreLostReplays(MAX_ATTEMPTS)).resolves.toBe(1);

    expect(await listed(controller, lost.id)).toMatchObject({ eventId: lost.eventId, attempts: MAX_ATTEMPTS });
    expect(await deadLetters.find(event.eventId, CONSUMER)).toEqual({ attempts: 1, dead: false });
    expect(await deadLetters.find(waiting.eventId, CONSUMER)).toEqual({ attempts: MAX_ATTEMPTS + 1, dead: false });
    await expect(deadLetters.restoreLostReplays(MAX_ATTEMPTS)).resolves.toBe(0);
  });

  it('parks the event again once the pass a replay gave it has run out without a delivery', async () => {
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const deadLetters = new DeadLetters(CONSUMER, dataSource, () => now);
    const subscribers = new Subscribers(new EventDeliveryRule(deadLetters, CONSUMER, MAX_ATTEMPTS));
    const letter = await deadLetter(deadLetters);

    // Opened for a replay whose publish never reached the consumer, in a process that lives on.
    await deadLetters.reopen(letter.id);
    expect(await deadLetters.find(letter.eventId, CONSUMER)).toEqual({ attempts: MAX_ATTEMPTS, dead: false, replayed: true });
    now += REPLAY_PASS_MS + 1;
    expect(await deadLetters.find(letter.eventId, CONSUMER)).toEqual({ attempts: MAX_ATTEMPTS, dead: true });
    await subscribers.publish(PATTERN, { eventId: letter.eventId, occurredAt: new Date().toISOString(), version: 1 });
    expect(subscribers.handled).toEqual([]);
    expect(await deadLetters.countDead()).toBe(1);
  });
});
