import { Logger } from '@nestjs/common';
import { ClientTCP } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { execFileSync } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { untilPasses } from '../../../../test/harness/eventually';
import { freePort } from '../../../../test/harness/processes';
import { CorrelatingDeserializer, CorrelatingSerializer } from '../correlation/correlating.serializer';
import { correlationIdOf } from '../correlation/correlation.envelope';
import { runWithCorrelation } from '../correlation/correlation.store';
import { STOPPING_CODE } from '../resilience/context-unreachable.error';
import { ConfigurationError, DependencyUnavailableError } from '../startup/start-refusal';
import { CLIENT_GONE_PROBE_AFTER_MS, TcpContextServer } from './tcp-context.server';

const PATTERN = 'catalog.reserve-stock';

/** A server whose handler answers each request only when the test lets it, and a client connected to it. */
async function serverWithHeldRequests() {
  const port = await freePort();
  const server = new TcpContextServer({ host: '127.0.0.1', port });
  const held: Array<() => void> = [];
  server.addHandler(PATTERN, (data: { n: number }) => new Promise((resolve) => held.push(() => resolve({ reserved: data.n }))), false);
  await new Promise<void>((resolve, reject) => server.listen((error?: unknown) => (error ? reject(error) : resolve())));
  const client = new ClientTCP({ host: '127.0.0.1', port });
  const ask = (n: number) => lastValueFrom(client.send(PATTERN, { n })).catch((error: unknown) => error);
  return { server, client, held, ask, port };
}

describe('TcpContextServer', () => {
  it("runs an event sent to a context's port through that context's handlers only, each with a copy of its own from the same request", async () => {
    const port = await freePort();
    const server = new TcpContextServer({ host: '127.0.0.1', port, deserializer: new CorrelatingDeserializer() }, 'gateway');
    const handed: { by: string; event: { touchedBy?: string }; correlationId?: string }[] = [];
    const handler = (by: string) => async (event: { touchedBy?: string }) => {
      handed.push({ by, event: { ...event }, correlationId: correlationIdOf(event) });
      event.touchedBy = by;
    };
    const pattern = 'catalog.reservation.expired';
    server.addHandler(pattern, handler('ordering'), true, { consumer: 'ordering' });
    server.addHandler(pattern, handler('gateway cache'), true, { consumer: 'gateway' });
    server.addHandler(pattern, handler('gateway log'), true, { consumer: 'gateway' });
    await new Promise<void>((resolve, reject) => server.listen((error?: unknown) => (error ? reject(error) : resolve())));
    const client = new ClientTCP({ host: '127.0.0.1', port, serializer: new CorrelatingSerializer() });
    try {
      await runWithCorrelation('req-tcp-event', () => lastValueFrom(client.send(pattern, { reservationId: 'r-1' }), { defaultValue: undefined }));
      expect(handed.map(({ by }) => by).sort()).toEqual(['gateway cache', 'gateway log']);
      expect(handed.map(({ event, correlationId }) => ({ event, correlationId }))).toEqual([
        { event: { reservationId: 'r-1' }, correlationId: 'req-tcp-event' },
        { event: { reservationId: 'r-1' }, correlationId: 'req-tcp-event' },
      ]);
    } finally {
      await client.close();
      await server.close();
    }
  }, 10_000);

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('answers the requests it holds as it stops, turns away those that arrive meanwhile, and then lets its connections go', async () => {
    const { server, client, held, ask } = await serverWithHeldRequests();
    const first = ask(1);
    await untilPasses(() => expect(held).toHaveLength(1));

    let stopped = false;
    const stopping = server.close().then(() => (stopped = true));
    // Arrived after the stop began: not run, and said so, so that a client may send it elsewhere.
    expect(await ask(2)).toEqual({ code: STOPPING_CODE, message: expect.stringContaining('stopping') });
    expect(held).toHaveLength(1);
    expect(stopped).toBe(false);

    held[0]();
    expect(await first).toEqual({ reserved: 1 });
    await stopping;
    // No one listens any more: a new connection is refused.
    expect(await ask(3)).toMatchObject({ code: 'ECONNREFUSED' });
    await client.close();
  }, 10_000);

  it('says a peer that reset its connection at debug, not as an invalid message', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    const { server, client, held, ask } = await serverWithHeldRequests();
    void ask(1);
    await untilPasses(() => expect(held).toHaveLength(1));
    client.unwrap<Socket>().resetAndDestroy();
    await untilPasses(() => expect(debug).toHaveBeenCalled());
    expect(debug.mock.calls[0][0]).toMatch(/ended: ECONNRESET/);
    expect(error).not.toHaveBeenCalled();
    held[0]();
    await server.close();
  }, 10_000);

  // Read from the kernel's own table of connections (ss, Linux's iproute2): what it will do with one gone quiet.
  const onLinux = process.platform === 'linux' ? it : it.skip;
  onLinux(
    "has the kernel probe a connection once it falls quiet, so that one whose client's machine vanished is ended",
    async () => {
      const { server, client, ask, held, port } = await serverWithHeldRequests();
      try {
        const answer = ask(1);
        await untilPasses(() => expect(held).toHaveLength(1));
        held[0]();
        expect(await answer).toEqual({ reserved: 1 });
        const serverSide = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
        const seconds = Number(/timer:\(keepalive,(\d+)sec/.exec(serverSide)?.[1]);
        expect(seconds).toBeGreaterThan(0);
        expect(seconds).toBeLessThanOrEqual(CLIENT_GONE_PROBE_AFTER_MS / 1000);
      } finally {
        await client.close();
        await server.close();
      }
    },
    10_000,
  );

  describe('that cannot listen', () => {
    function listening(server: TcpContextServer): Promise<void> {
      return new Promise<void>((resolve, reject) => server.listen((error?: unknown) => (error ? reject(error) : resolve())));
    }

    it("ends the start on a port another process holds, naming the context's address setting, and logs nothing itself", async () => {
      const port = await freePort();
      const holder = createServer();
      await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      try {
        const server = new TcpContextServer({ host: '127.0.0.1', port }, 'catalog');
        const refusal = await listening(server).catch((error: unknown) => error);
        expect(refusal).toBeInstanceOf(DependencyUnavailableError);
        expect((refusal as Error).message).toBe(
          `127.0.0.1:${port} is in use by another process (EADDRINUSE): stop it, or set CATALOG_TCP_LISTEN_ADDRESS (or CATALOG_TCP_ADDRESS) to a free port`,
        );
        expect(logged).not.toHaveBeenCalled();
      } finally {
        logged.mockRestore();
        await new Promise((resolve) => holder.close(resolve));
      }
    });

    // Nest's own listen answers only EADDRINUSE: on any other error the start waited forever, its health port closed.
    it('ends the start on an address this machine does not have, instead of waiting forever', async () => {
      const server = new TcpContextServer({ host: '192.0.2.1', port: await freePort() }, 'gateway');
      const refusal = await listening(server).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(ConfigurationError);
      expect((refusal as Error).message).toMatch(/^192\.0\.2\.1 is not an address of this machine \(EADDRNOTAVAIL\): set GATEWAY_TCP_ADDRESS to one/);
    });
  });
});
