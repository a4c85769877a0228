import { connect, Socket } from 'node:net';
import { Api } from '../harness/http';
import { RunningTopology, startMonolith, TEST_ADMIN } from '../harness/topologies';

/**
 * Clients that open connections and then send their requests too slowly, or
 * not at all, as a slow-loris attack does and as a phone that lost its network
 * mid-request leaves them: each holds a connection and a file descriptor of
 * the process. A request has 30 s from its first byte to arrive, its headers
 * 10 s (slow-requests.ts); before, a request whose body stopped coming held
 * its connection for good.
 */
describe('clients too slow to send their requests, against the monolith on the embedded database', () => {
  const EACH = 50;
  let topology: RunningTopology;
  let api: Api;
  const opened: Socket[] = [];

  beforeAll(async () => {
    topology = await startMonolith('embedded');
    api = await new Api(topology.baseUrl).holdingToOpenApi();
  }, 120_000);

  afterAll(async () => {
    opened.forEach((socket) => socket.destroy());
    await topology?.stop();
  }, 30_000);

  /** A connection to the shop, with what it answered on it and a promise of its closing. */
  async function connection(): Promise<{ socket: Socket; answer: () => string; closed: Promise<void> }> {
    const { hostname, port } = new URL(topology.baseUrl);
    const socket = connect(Number(port), hostname);
    opened.push(socket);
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return { socket, answer: () => answer, closed };
  }

  it('answers 408 REQUEST_TIMEOUT to requests that stop arriving and closes their connections, serving everyone else meanwhile', async () => {
    const silent = await Promise.all(Array.from({ length: EACH }, connection));
    const halfHeaders = await Promise.all(Array.from({ length: EACH }, connection));
    halfHeaders.forEach(({ socket }) => socket.write(`GET /products HTTP/1.1\r\nHost: ${new URL(topology.baseUrl).host}\r\n`));
    const trickling = await Promise.all(Array.from({ length: EACH }, connection));
    const login = JSON.stringify(TEST_ADMIN);
    trickling.forEach(({ socket }) =>
      socket.write(`POST /auth/login HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: ${login.length}\r\n\r\n${login.slice(0, 2)}`),
    );
    // A byte every second: the connection is never idle, and the body would take minutes to arrive.
    let sent = 2;
    const drip = setInterval(() => {
      if (sent >= login.length - 1) return;
      trickling.forEach(({ socket }) => socket.writable && socket.write(login[sent]));
      sent += 1;
    }, 1_000);

    try {
      expect((await api.get('/products')).status).toBe(200);
      expect((await api.post('/auth/login', TEST_ADMIN)).status).toBe(200);

      await Promise.all([...silent, ...halfHeaders, ...trickling].map(({ closed }) => closed));
    } finally {
      clearInterval(drip);
    }

    for (const { answer } of [...halfHeaders, ...trickling]) {
      const [head, body] = answer().split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      expect(head.toLowerCase()).toContain('content-type: application/problem+json');
      expect(JSON.parse(body)).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' });
    }
    expect(trickling.every(({ answer }) => !answer().includes('accessToken'))).toBe(true);
    expect((await api.get('/health/ready')).status).toBe(200);
    expect((await api.post('/auth/login', TEST_ADMIN)).status).toBe(200);
  }, 120_000);
});
