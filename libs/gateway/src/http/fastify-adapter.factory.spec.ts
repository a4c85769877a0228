import { createRootLogger } from '@tessera/platform';
import { createFastifyAdapter, trustedProxies } from './fastify-adapter.factory';

describe('trustedProxies (TRUST_PROXY)', () => {
  it('trusts nobody when unset or empty, and takes addresses and CIDRs, comma-separated', () => {
    expect(trustedProxies(undefined)).toBe(false);
    expect(trustedProxies(' ')).toBe(false);
    expect(trustedProxies('10.0.0.1, 10.1.0.0/16,::1,fd00::/8')).toEqual(['10.0.0.1', '10.1.0.0/16', '::1', 'fd00::/8']);
  });

  it('names what is neither an address nor a CIDR', () => {
    expect(() => trustedProxies('10.0.0.1,proxy.internal')).toThrow(/TRUST_PROXY.*"proxy.internal"/);
    expect(() => trustedProxies('10.0.0.0/33')).toThrow(/TRUST_PROXY/);
  });
});

describe('the client address the rate limits count by', () => {
  async function clientAddressSeen(trustProxy: string[] | false, remoteAddress: string, forwardedFor: string): Promise<string> {
    const adapter = createFastifyAdapter(createRootLogger('adapter-spec', 'silent'), { trustProxy });
    const fastify = adapter.getInstance();
    fastify.get('/ip', async (request) => ({ ip: request.ip }));
    const response = await fastify.inject({ method: 'GET', url: '/ip', remoteAddress, headers: { 'x-forwarded-for': forwardedFor } });
    await fastify.close();
    return response.json().ip;
  }

  it('is the forwarded client behind a trusted proxy, and the socket peer otherwise', async () => {
    await expect(clientAddressSeen(['10.0.0.0/8'], '10.0.0.5', '203.0.113.9')).resolves.toBe('203.0.113.9');
    await expect(clientAddressSeen(['10.0.0.0/8'], '198.51.100.1', '203.0.113.9')).resolves.toBe('198.51.100.1');
    await expect(clientAddressSeen(false, '10.0.0.5', '203.0.113.9')).resolves.toBe('10.0.0.5');
  });
});
