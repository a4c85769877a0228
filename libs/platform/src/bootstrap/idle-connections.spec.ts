import Fastify from 'fastify';
import { Agent, get } from 'node:http';
import type { Socket } from 'node:net';
import { endIdleConnectionsWhileClosing } from './idle-connections';

describe('endIdleConnectionsWhileClosing', () => {
  it('answers the request a kept-alive connection had in flight when the server began to close, then ends the connection', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const fastify = Fastify();
    endIdleConnectionsWhileClosing(fastify);
    fastify.get('/slow', async () => {
      arrived();
      await released;
      return { answered: true };
    });
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    const { port } = fastify.server.address() as { port: number };

    const agent = new Agent({ keepAlive: true });
    let socket!: Socket;
    const answer = new Promise<{ status?: number; body: string }>((resolve, reject) =>
      get({ host: '127.0.0.1', port, path: '/slow', agent }, (response) => {
        socket = response.socket;
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode, body }));
      }).on('error', reject),
    );
    await inFlight;
    // The answer goes once the server has stopped listening: a connection idle before that, Node ends by itself.
    const closeServer = fastify.server.close.bind(fastify.server);
    fastify.server.close = (callback) => {
      const server = closeServer(callback);
      release();
      return server;
    };
    const closed = fastify.close();

    expect(await answer).toEqual({ status: 200, body: '{"answered":true}' });
    // Kept alive by its client, the connection would hold the close open for Fastify's 72 s keep-alive timeout.
    if (!socket.destroyed) await new Promise((resolve) => socket.once('close', resolve));
    await closed;
    agent.destroy();
  }, 10_000);
});
