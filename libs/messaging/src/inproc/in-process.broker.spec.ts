import { TimeoutError } from 'rxjs';
import { NO_HANDLER_MESSAGE } from '../errors/remote.error';
import { ContextUnreachableError } from '../resilience/context-unreachable.error';
import { InProcessBroker, InProcessEndpoint } from './in-process.broker';

/** A server of `patterns` that answers each request with its payload after `answerAfterMs`, and records the events it is handed. */
function serverOf(patterns: string[], answerAfterMs = 0): InProcessEndpoint & { events: unknown[] } {
  const events: unknown[] = [];
  return {
    events,
    canHandle: (pattern) => patterns.includes(pattern),
    handleRequest: (_pattern, envelope) => new Promise((resolve) => setTimeout(() => resolve(envelope.$data), answerAfterMs)),
    handleEventMessage: async (_pattern, envelope) => {
      events.push(envelope.$data);
    },
  };
}

const within = (ms: number) => ({ ms, error: () => new TimeoutError() });

describe('InProcessBroker', () => {
  it('hands the server a copy of the request, as a wire would, and answers with what it answered', async () => {
    const broker = new InProcessBroker();
    broker.attach(serverOf(['users.echo']));
    const sent = { n: 1 };
    const answer = await broker.request('users.echo', sent, within(10_000));
    expect(answer).toEqual({ n: 1 });
    expect(answer).not.toBe(sent);
  });

  it('rejects with the deadline’s error when the server has not answered in time', async () => {
    const broker = new InProcessBroker();
    broker.attach(serverOf(['users.slow'], 1000));
    await expect(broker.request('users.slow', {}, within(50))).rejects.toBeInstanceOf(TimeoutError);
  });

  it('tells a pattern nobody serves from a process whose servers do not listen yet or any more', async () => {
    const broker = new InProcessBroker();
    await expect(broker.request('users.echo', {})).rejects.toThrow(new ContextUnreachableError('the contexts of this process are not listening yet'));
    await expect(broker.publish('users.user.registered', {}, true)).rejects.toThrow('No handler of users.user.registered is listening in this process yet');
    await expect(broker.deliver('users.user.registered', {}, 'ordering')).rejects.toThrow(
      'No handler of users.user.registered is listening in this process yet',
    );

    const users = serverOf(['users.echo']);
    const catalog = serverOf(['catalog.get-product']);
    broker.attach(users);
    broker.attach(catalog);
    await expect(broker.request('users.unknown', {})).rejects.toThrow(NO_HANDLER_MESSAGE);

    // Stopping, a context's server goes before the others: its patterns are out of reach, not unknown.
    broker.detach(users);
    await expect(broker.request('users.echo', {})).rejects.toThrow(new ContextUnreachableError('the contexts of this process are stopping'));
    await expect(broker.publish('users.user.registered', {}, true)).rejects.toThrow(
      'No handler of users.user.registered is listening in this process any more: it is stopping',
    );
    await expect(broker.deliver('users.user.registered', {}, 'ordering')).rejects.toThrow(
      'No handler of users.user.registered is listening in this process any more: it is stopping',
    );
    await expect(broker.request('catalog.get-product', { id: 'p1' })).resolves.toEqual({ id: 'p1' });
  });

  it('hands an event to every server that subscribes, and to none without failing when none is expected', async () => {
    const broker = new InProcessBroker();
    const first = serverOf(['ordering.order.confirmed']);
    const second = serverOf(['ordering.order.confirmed']);
    broker.attach(first);
    broker.attach(second);
    await broker.publish('ordering.order.confirmed', { orderId: 'o1' }, true);
    await broker.publish('ordering.order.placed', { orderId: 'o1' });
    expect(first.events).toEqual([{ orderId: 'o1' }]);
    expect(second.events).toEqual([{ orderId: 'o1' }]);
  });
});
