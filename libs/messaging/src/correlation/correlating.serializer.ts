import { ConsumerDeserializer, IncomingEvent, IncomingRequest, NatsRecord, ProducerSerializer, RmqRecord, Serializer } from '@nestjs/microservices';
import { IdentitySerializer } from '@nestjs/microservices/serializers/identity.serializer';
import { IncomingRequestDeserializer } from '@nestjs/microservices/deserializers/incoming-request.deserializer';
import { fromWire, toWire } from './correlation.envelope';

/**
 * A client's serializer that puts every outgoing request and event in the wire
 * envelope, with the current correlation id and, given the callers' timeout of
 * the moment (`requestTimeoutMs`), the deadline of a request (one with an id),
 * then hands it to the transport's own serializer (Nest's default when none is
 * given). Transport records (NatsRecord, RmqRecord) keep their headers or
 * options; their data is wrapped.
 */
export class CorrelatingSerializer implements ProducerSerializer {
  constructor(
    private readonly inner: Serializer = new IdentitySerializer(),
    private readonly requestTimeoutMs?: () => number,
  ) {}

  serialize(packet: { pattern: unknown; data: unknown; id?: string }, options?: Record<string, unknown>): unknown {
    const deadline = packet.id !== undefined && this.requestTimeoutMs ? Date.now() + this.requestTimeoutMs() : undefined;
    return this.inner.serialize({ ...packet, data: wrap(packet.data, deadline) }, options);
  }
}

function wrap(data: unknown, deadline: number | undefined): unknown {
  if (data instanceof NatsRecord) return new NatsRecord(toWire(data.data, undefined, deadline), data.headers);
  if (data instanceof RmqRecord) return new RmqRecord(toWire(data.data, undefined, deadline), data.options);
  return toWire(data, undefined, deadline);
}

type IncomingPacket = IncomingRequest | IncomingEvent;

/**
 * A server's deserializer: the transport's own (Nest's default when none is
 * given) reads the packet, then the payload comes out of its envelope, its
 * correlation id remembered for the handler. Bare payloads pass as they are.
 */
export class CorrelatingDeserializer implements ConsumerDeserializer {
  constructor(private readonly inner: ConsumerDeserializer = new IncomingRequestDeserializer()) {}

  deserialize(value: unknown, options?: Record<string, unknown>): IncomingPacket | Promise<IncomingPacket> {
    const packet = this.inner.deserialize(value, options);
    return packet instanceof Promise ? packet.then(unwrap) : unwrap(packet);
  }
}

function unwrap(packet: IncomingPacket): IncomingPacket {
  if (!packet || typeof packet !== 'object' || !('data' in packet)) return packet;
  return { ...packet, data: fromWire(packet.data) };
}
