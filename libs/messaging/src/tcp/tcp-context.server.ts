import { BaseRpcContext, MessageHandler, MsPattern, ReadPacket, ServerTCP, TcpContext, TcpOptions } from '@nestjs/microservices';
import { GATEWAY, type EventConsumer } from '@tessera/contracts';
import { NO_MESSAGE_HANDLER } from '@nestjs/microservices/constants';
import type { TcpSocket } from '@nestjs/microservices/helpers/tcp-socket';
import type { Server, Socket } from 'node:net';
import { receivedCopyOf } from '../correlation/correlation.envelope';
import { answerOf } from '../handling/answer-of';
import { DRAIN_MS, untilWithin } from '../handling/draining';
import { STOPPING_CODE } from '../resilience/context-unreachable.error';
import { listenRefusal, ListenSettings } from '../startup/listen-refusal';
import { handlerOfPattern } from '../transports/plain-pattern-lookup';
import { EventSubscribers, runEach } from '../events/event-subscribers';

/** A stopping server ends a connection once its client has sent nothing for this long (see endConnectionsOnceQuiet). */
const QUIET_MS = 200;
/** How long a stopping server waits for its connections to fall quiet before it cuts them. */
const FAREWELL_MS = 2000;

// A peer that stopped or was killed resets its connections: nothing this process can act on.
const PEER_GONE_CODES = new Set(['ECONNRESET', 'EPIPE']);

/**
 * How long a connection carries nothing before the kernel starts asking its client whether it is still there (TCP
 * keepalive): a client whose machine vanished (powered off, partitioned, its pod's address given to another) sends
 * no reset, and without keepalive its connection, its socket and its buffers are kept for as long as this server
 * runs. After this, Linux probes every 75 s and ends the connection after nine unanswered probes, about 12 minutes
 * in all (ADR 0012). A live client's connection is only probed when idle, so this costs nothing under load.
 */
export const CLIENT_GONE_PROBE_AFTER_MS = 30_000;

/**
 * Nest's TCP server, answering each request with one packet (handleMessage),
 * quiet about an event emitted fire-and-forget (ClientProxy's `emit`) that no
 * handler here takes (the events a context subscribes to come as requests,
 * TcpEventDelivery), and stopped without losing a request: see close().
 * Each hosted context (and a gateway) listens on a port of its own: an event
 * sent to a context's port runs that consumer's handlers only, so that a
 * process hosting two subscribers of an event runs each once.
 */
export class TcpContextServer extends ServerTCP {
  private inFlight = 0;
  private stopping = false;
  /** While stopping: when each connection last brought a message. */
  private readonly lastHeard = new WeakMap<Socket, number>();
  private readonly subscribers = new EventSubscribers();

  /** `consumer`: whose events this port takes; every subscriber's when none is named. */
  constructor(
    options: Required<TcpOptions>['options'],
    private readonly consumer?: EventConsumer,
  ) {
    super(options);
  }

  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    const first = this.messageHandlers.get(this.normalizePattern(pattern as MsPattern));
    this.subscribers.add(pattern, first, callback, isEventHandler, extras, () => super.addHandler(pattern, callback, isEventHandler, extras));
  }

  /**
   * Nest's, but a listen that fails ends the start with a refusal naming the setting of the address (listenRefusal):
   * Nest's own answers EADDRINUSE alone, and on any other error (an address this machine does not have) left the start
   * waiting forever, its health port never opened.
   */
  override listen(callback: (error?: unknown) => void): void {
    const server = this.server as unknown as Server;
    // Nest's error listener would log the failure first, as an error of a running server.
    server.removeAllListeners('error');
    const failed = (error: unknown) => callback(listenRefusal(error, this.host, this.port, listenSettingsOf(this.consumer)));
    server.once('error', failed);
    server.listen(this.port, this.host, () => {
      server.off('error', failed);
      this.registerErrorListener(server);
      callback();
    });
  }

  override getHandlerByPattern(pattern: string): MessageHandler | null {
    return handlerOfPattern(this.messageHandlers, pattern, (json) => super.getHandlerByPattern(json));
  }

  /** Nest's, but for what a connection's error is called in the log (see socketFailed), and probed once idle. */
  override bindHandler(socket: Socket): void {
    socket.setKeepAlive(true, CLIENT_GONE_PROBE_AFTER_MS);
    this.trackOpenSocket(socket);
    const connection = this.getSocketInstance(socket);
    connection.on('message', (message: unknown) => {
      if (this.stopping) this.lastHeard.set(socket, Date.now());
      void this.handleMessage(connection, message).catch((error: unknown) => this.logger.error(error));
    });
    connection.on('error', (error: unknown) => this.socketFailed(socket, error));
  }

  /**
   * Answers a request with one reply packet once its handler is done:
   * `{ id, response, isDisposed }` or `{ id, err, isDisposed }`, the packet
   * Nest's own path sends after turning every answer into an observable and
   * scheduling its packets on the next tick, which cost a good part of a hop.
   * Counted in flight until then, so that a stop waits for the work and not
   * just its start.
   */
  override async handleMessage(socket: TcpSocket, rawMessage: unknown): Promise<unknown> {
    this.inFlight++;
    try {
      const packet = (await this.deserializer.deserialize(rawMessage)) as ReadPacket & { id?: string };
      const pattern = this.getPatternAsString(packet.pattern);
      const context = new TcpContext([socket, pattern]);
      const { id } = packet;
      if (id === undefined) return await this.handleEvent(pattern, packet, context);
      const respond = (reply: Record<string, unknown>) => socket.sendMessage(this.serializer.serialize({ ...reply, id }));
      if (this.stopping) return respond({ err: { code: STOPPING_CODE, message: 'This process is stopping and did not handle the request' }, isDisposed: true });
      const handler = this.getHandlerByPattern(pattern);
      const handlers = handler?.isEventHandler ? this.subscribers.of(handler, this.consumer) : handler ? [handler] : [];
      if (handlers.length === 0) return respond({ status: 'error', err: NO_MESSAGE_HANDLER });
      try {
        const response = handler!.isEventHandler ? await this.runEvent(handlers, packet.data, context) : await answerOf(handler!(packet.data, context));
        respond({ response, isDisposed: true });
      } catch (error) {
        // A handler's failure, through Nest's exception filter, is the error payload the client turns into a RemoteError.
        respond({ err: error, isDisposed: true });
      }
      return undefined;
    } finally {
      this.inFlight--;
    }
  }

  override async handleEvent(pattern: string, packet: ReadPacket, context: BaseRpcContext): Promise<unknown> {
    const handler = this.getHandlerByPattern(pattern);
    if (!handler?.isEventHandler) return undefined;
    // Sent fire-and-forget, nobody waits for the outcome: a failure is the handler's own log line.
    return this.runEvent(this.subscribers.of(handler, this.consumer), packet.data, context).catch(() => undefined);
  }

  /** Runs the handlers of an event, each with a copy of its own when there are several. */
  private async runEvent(handlers: MessageHandler[], data: unknown, context: BaseRpcContext): Promise<undefined> {
    await runEach(handlers, async (handler) => void (await answerOf(handler(handlers.length === 1 ? data : receivedCopyOf(data), context))));
    return undefined;
  }

  /**
   * Stops without losing a request, as the NATS and RabbitMQ servers do by
   * leaving their queue: no new connection is taken; the requests taken are
   * answered (for DRAIN_MS at most); a request arriving meanwhile on an open
   * connection is turned away with STOPPING_CODE, which tells a client
   * balancing over replicas to send it to another one at once, since it did not
   * run here. Then each connection is ended once it has fallen quiet, and
   * whatever is still open after FAREWELL_MS is cut.
   *
   * Killed in the middle of this, the process is a replica killed mid-request
   * (ADR 0012): a query is asked again elsewhere, a command answers
   * CONTEXT_UNAVAILABLE and the caller compensates. So is a request that a
   * client still sending after FAREWELL_MS writes as its connection is cut.
   */
  override async close(): Promise<void> {
    this.stopping = true;
    this.isManuallyTerminated = true;
    this.server.close();
    const stoppedAt = Date.now();
    await untilWithin(() => this.inFlight === 0, DRAIN_MS);
    await this.endConnectionsOnceQuiet(stoppedAt);
    super.close();
  }

  /**
   * Ends each open connection once its client has sent nothing for QUIET_MS:
   * a balancing client turned away stops sending here, while ending a
   * connection its client still writes to would lose the request in transit,
   * which cannot be told apart from one that ran. FAREWELL_MS at most.
   */
  private async endConnectionsOnceQuiet(stoppedAt: number): Promise<void> {
    const deadline = Date.now() + FAREWELL_MS;
    const ended = new WeakSet<Socket>();
    while (this.openSockets.size > 0 && Date.now() < deadline) {
      for (const socket of this.openSockets) {
        if (ended.has(socket) || Date.now() - (this.lastHeard.get(socket) ?? stoppedAt) < QUIET_MS) continue;
        ended.add(socket);
        socket.end();
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Nest calls every error of a connection "The invalid received message from
   * tcp server", a peer that went away included. A reset is said as one, at
   * debug: the peer's own log and its client's retries say what mattered; so
   * is whatever a connection meets while this server stops. A
   * framing error (Nest passes its message as a string) stays an error: what
   * came in was not a message.
   */
  private socketFailed(socket: Socket, error: unknown): void {
    const code = (error as { code?: unknown } | null)?.code;
    const reason = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    if (this.stopping || PEER_GONE_CODES.has(reason)) return this.logger.debug?.(`The connection from ${peer} ended: ${reason}`);
    this.logger.error(`The connection from ${peer} failed: ${reason}`);
  }
}

/** The setting that chose where the server of `consumer` listens (see the topology), for the refusal of a failed listen. */
function listenSettingsOf(consumer: EventConsumer | undefined): ListenSettings {
  const setting = !consumer
    ? 'its TCP address'
    : consumer === GATEWAY
      ? 'GATEWAY_TCP_ADDRESS'
      : `${consumer.toUpperCase()}_TCP_LISTEN_ADDRESS (or ${consumer.toUpperCase()}_TCP_ADDRESS)`;
  return { host: setting, port: setting };
}
