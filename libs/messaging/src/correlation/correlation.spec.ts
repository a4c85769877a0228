import { NatsRecord, RmqRecord, Serializer } from '@nestjs/microservices';
import { fromWire, correlationIdOf, deadlineOf, toWire } from './correlation.envelope';
import { CorrelatingDeserializer, CorrelatingSerializer } from './correlating.serializer';
import { currentCorrelationId, isCorrelationId, newCorrelationId, runWithCorrelation } from './correlation.store';

describe('the correlation scope', () => {
  it('holds the id through awaits and timers, and each scope its own', async () => {
    const seen = await Promise.all(
      ['req-a', 'req-b'].map((id) =>
        runWithCorrelation(id, async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return currentCorrelationId();
        }),
      ),
    );
    expect(seen).toEqual(['req-a', 'req-b']);
    expect(currentCorrelationId()).toBeUndefined();
  });

  it('runs work without an id for no request, not for the caller’s', () => {
    expect(runWithCorrelation('outer', () => runWithCorrelation(undefined, currentCorrelationId))).toBeUndefined();
  });

  it('takes ids that are safe in a header and a log line, up to 128 characters', () => {
    for (const id of [newCorrelationId(), 'req_01HZX3', '1-5e1b4151-5ac6c58f', 'a'.repeat(128), 'dGVzdA==']) expect(isCorrelationId(id)).toBe(true);
    for (const id of ['', 'a'.repeat(129), 'with space', 'line\nbreak', '"quoted"', 'a,b', 42, undefined]) expect(isCorrelationId(id)).toBe(false);
  });
});

describe('the wire envelope', () => {
  it('wraps a payload with the current id, and unwraps it remembering that id for the handler', () => {
    const wire = runWithCorrelation('req-1', () => toWire({ orderId: 'o-1' }));
    expect(wire).toEqual({ $data: { orderId: 'o-1' }, $meta: { correlationId: 'req-1' } });
    const received = fromWire<{ orderId: string }>(JSON.parse(JSON.stringify(wire)));
    expect(received).toEqual({ orderId: 'o-1' });
    expect(correlationIdOf(received)).toBe('req-1');
  });

  it('sends no id outside a request, and takes a bare payload as it is, without an id', () => {
    expect(toWire({ a: 1 })).toEqual({ $data: { a: 1 }, $meta: {} });
    const bare = { a: 1, $data: 'not an envelope' };
    expect(fromWire(bare)).toBe(bare);
    expect(correlationIdOf(bare)).toBeUndefined();
  });

  it('drops an id that is not a usable one', () => {
    const received = fromWire({ $data: { a: 1 }, $meta: { correlationId: 'evil\nline' } });
    expect(received).toEqual({ a: 1 });
    expect(correlationIdOf(received)).toBeUndefined();
  });
});

class RecordingSerializer implements Serializer {
  readonly seen: unknown[] = [];

  serialize(value: unknown): unknown {
    this.seen.push(value);
    return JSON.stringify(value);
  }
}

describe('CorrelatingSerializer', () => {
  it('puts the packet’s data in the envelope with the current id, then hands it to the transport’s serializer', () => {
    const inner = new RecordingSerializer();
    const packet = { pattern: 'users.get-user', data: { userId: 'u-1' }, id: 'packet-1' };
    const out = runWithCorrelation('req-2', () => new CorrelatingSerializer(inner).serialize(packet));
    expect(JSON.parse(out as string)).toEqual({
      pattern: 'users.get-user',
      id: 'packet-1',
      data: { $data: { userId: 'u-1' }, $meta: { correlationId: 'req-2' } },
    });
    expect(packet.data).toEqual({ userId: 'u-1' });
  });

  it('keeps a NATS record’s headers and a RabbitMQ record’s options, wrapping their data', () => {
    const inner = new RecordingSerializer();
    const serializer = new CorrelatingSerializer(inner);
    runWithCorrelation('req-3', () => {
      serializer.serialize({ pattern: 'p', data: new NatsRecord({ a: 1 }, { h: 'v' }) });
      serializer.serialize({ pattern: 'p', data: new RmqRecord({ b: 2 }, { priority: 3 }) });
    });
    const [nats, rmq] = inner.seen as { data: NatsRecord | RmqRecord }[];
    expect(nats.data).toBeInstanceOf(NatsRecord);
    expect(nats.data).toEqual(new NatsRecord({ $data: { a: 1 }, $meta: { correlationId: 'req-3' } }, { h: 'v' }));
    expect(rmq.data).toBeInstanceOf(RmqRecord);
    expect(rmq.data).toEqual(new RmqRecord({ $data: { b: 2 }, $meta: { correlationId: 'req-3' } }, { priority: 3 }));
  });

  it('gives a request (a packet with an id) the deadline its timeout makes, for the handler to read; an event none', () => {
    const inner = new RecordingSerializer();
    const serializer = new CorrelatingSerializer(inner, () => 5000);
    const before = Date.now();
    const request = JSON.parse(serializer.serialize({ pattern: 'ordering.place-order', data: { n: 1 }, id: 'packet-4' }) as string);
    const event = JSON.parse(serializer.serialize({ pattern: 'ordering.order.placed', data: { n: 2 } }) as string);

    expect(request.data.$meta.deadline).toBeGreaterThanOrEqual(before + 5000);
    expect(request.data.$meta.deadline).toBeLessThanOrEqual(Date.now() + 5000);
    expect(deadlineOf(fromWire(request.data))).toBe(request.data.$meta.deadline);
    expect(event.data.$meta).not.toHaveProperty('deadline');
  });
});

describe('CorrelatingDeserializer', () => {
  it('lets the transport read the packet, then unwraps its data and remembers the id', () => {
    const raw = { pattern: 'catalog.get-product', id: 'p-1', data: { $data: { productId: 'x' }, $meta: { correlationId: 'req-4' } } };
    const packet = new CorrelatingDeserializer().deserialize(raw) as { pattern: string; id: string; data: unknown };
    expect(packet).toEqual({ pattern: 'catalog.get-product', id: 'p-1', data: { productId: 'x' } });
    expect(correlationIdOf(packet.data)).toBe('req-4');
  });

  it('works over a transport deserializer that answers a promise', async () => {
    const inner = { deserialize: async (value: unknown) => ({ pattern: 'p', data: JSON.parse(value as string) }) };
    const packet = await new CorrelatingDeserializer(inner).deserialize(JSON.stringify({ $data: { n: 1 }, $meta: { correlationId: 'req-5' } }));
    expect(packet.data).toEqual({ n: 1 });
    expect(correlationIdOf(packet.data)).toBe('req-5');
  });

  it('passes a packet from a sender that does not wrap as it is', () => {
    expect(new CorrelatingDeserializer().deserialize({ pattern: 'p', data: { plain: true } })).toEqual({ pattern: 'p', data: { plain: true } });
  });
});
