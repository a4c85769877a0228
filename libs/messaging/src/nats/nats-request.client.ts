import { ClientNats, ReadPacket, WritePacket } from '@nestjs/microservices';
import type { ContextName } from '@tessera/contracts';
import { createInbox, type Msg, type NatsConnection } from 'nats';
import { ContextUnreachableError } from '../resilience/context-unreachable.error';
import { BrokerNames } from '../transports/broker-names';
import { REPLY_PART_HEADER, ReplyAssembly } from './reply-parts';

/** A caller waiting for the reply to a request it published to `subject`, and the parts of it come so far. */
interface Waiting {
  subject: string;
  answer: (error: Error | null, reply: Pick<Msg, 'data' | 'headers'> | null) => void;
  parts?: ReplyAssembly;
}

/** The replies of one connection: one subscription to `<inbox>.*`, and who waits for each token under it. */
interface ReplyInbox {
  connection: NatsConnection;
  prefix: string;
  waiting: Map<string, Waiting>;
}

/**
 * Nest's NATS client for one context, asking through the connection's one
 * reply subscription. Nest's own client subscribes to a fresh inbox for every
 * request and unsubscribes after: two protocol messages more per request and
 * a subscription the server sets up and tears down, which made a NATS
 * request/reply twice the latency of the bare round trip
 * (docs/performance.md). nats.js's `request` multiplexes too, but makes an
 * error with a stack trace for every request it settles, a failed one or not,
 * and a timer of its own: a sixth of a round trip's CPU. Here a reply is
 * routed by its token to the caller waiting for it, and the caller's own
 * timeout is the only one: when it gives up, its token is forgotten and a
 * late reply is dropped. When no process of the context is subscribed, NATS
 * says so at once ("no responders": an empty reply with status 503); that is
 * CONTEXT_UNAVAILABLE rather than a wait for the timeout. So is a request
 * the server refused to take from this process's user (a permissions
 * violation, docker/nats/authorization.conf), which would otherwise be a
 * timeout that names nothing. A reply larger than the server's max_payload
 * comes in parts (NatsRequestServer), put together here before the caller
 * is answered.
 */
export class NatsRequestClient extends ClientNats {
  private replies?: ReplyInbox;
  private nextToken = 0;

  constructor(
    private readonly context: ContextName,
    private readonly names: BrokerNames,
    options: ConstructorParameters<typeof ClientNats>[0],
  ) {
    super(options);
  }

  protected override normalizePattern(pattern: Parameters<ClientNats['normalizePattern']>[0]): string {
    return this.names.requestSubject(super.normalizePattern(pattern));
  }

  protected override publish(partialPacket: ReadPacket, callback: (packet: WritePacket) => unknown): () => void {
    let forget = () => {};
    try {
      const packet = this.assignPacketId(partialPacket);
      const serialized = this.serializer.serialize(packet) as { data: Uint8Array; headers?: unknown };
      const answer = this.createSubscriptionHandler(packet, callback);
      // Nest types its connection loosely; it is nats.js's, connected before publish is called.
      const connection = this.natsClient as NatsConnection;
      const replies = this.repliesOn(connection);
      const token = (this.nextToken++).toString(36);
      const subject = this.normalizePattern(partialPacket.pattern);
      replies.waiting.set(token, {
        subject,
        answer: (error, reply) => {
          if (error) callback({ err: error, isDisposed: true });
          else if (reply!.data.length === 0 && reply!.headers?.code === 503)
            callback({ err: new ContextUnreachableError(`${this.context} is unavailable: no process serves it`, true), isDisposed: true });
          else void answer(undefined, reply as Parameters<typeof answer>[1]);
        },
      });
      forget = () => replies.waiting.delete(token);
      connection.publish(subject, serialized.data, {
        reply: `${replies.prefix}.${token}`,
        headers: this.mergeHeaders(serialized.headers),
      });
    } catch (error) {
      forget();
      callback({ err: error });
    }
    // The caller is done: answered, or given up (its timeout); a reply that comes later finds nobody waiting.
    return forget;
  }

  /**
   * The reply subscription of `connection`, made at its first request. A
   * connection Nest makes anew (after this one closed) gets its own; the
   * callers still waiting on the old one are answered by their timeout.
   */
  private repliesOn(connection: NatsConnection): ReplyInbox {
    if (this.replies?.connection === connection) return this.replies;
    // Under this process's own prefix, the only one its NATS user may subscribe to.
    const replies: ReplyInbox = { connection, prefix: createInbox(this.options.inboxPrefix), waiting: new Map() };
    const tokenAt = replies.prefix.length + 1;
    connection.subscribe(`${replies.prefix}.*`, {
      callback: (error, reply) => {
        if (error) {
          // The subscription itself failed (a permission, the connection): nobody waiting will hear back on it.
          const waiting = [...replies.waiting.values()];
          replies.waiting.clear();
          if (this.replies === replies) this.replies = undefined;
          for (const { answer } of waiting) answer(error, null);
          return;
        }
        const token = reply.subject.slice(tokenAt);
        const waiting = replies.waiting.get(token);
        if (!waiting) return;
        const part = reply.headers?.get(REPLY_PART_HEADER);
        if (!part) {
          replies.waiting.delete(token);
          waiting.answer(null, reply);
          return;
        }
        // A reply larger than the server's max_payload, in parts (NatsRequestServer): the caller waits for the last.
        let whole: Uint8Array | undefined;
        try {
          whole = (waiting.parts ??= new ReplyAssembly()).add(part, reply.data);
        } catch (error) {
          replies.waiting.delete(token);
          waiting.answer(error as Error, null);
          return;
        }
        if (!whole) return;
        replies.waiting.delete(token);
        waiting.answer(null, { data: whole, headers: reply.headers });
      },
    });
    void this.refuseWhatTheServerRefuses(replies);
    this.replies = replies;
    return replies;
  }

  /**
   * Answers at once every caller waiting on a subject the server would not take from this connection's user: it
   * dropped their requests, so no reply will come, and each would otherwise wait out its timeout.
   */
  private async refuseWhatTheServerRefuses(replies: ReplyInbox): Promise<void> {
    for await (const status of replies.connection.status()) {
      const refused = (status as { permissionContext?: { operation: string; subject: string } }).permissionContext;
      if (status.type !== 'error' || refused?.operation !== 'publish') continue;
      // Nest logs the violation without its subject, which is what tells a stale authorization from a wrong user.
      this.logger.error(`NATS refused a request to ${refused.subject}: this process's NATS user may not publish there (permissions violation)`);
      for (const [token, { subject, answer }] of replies.waiting) {
        if (subject !== refused.subject) continue;
        replies.waiting.delete(token);
        answer(new ContextUnreachableError(`${this.context} is unavailable: NATS refused the request to ${subject} (permissions violation)`, true), null);
      }
    }
  }
}
