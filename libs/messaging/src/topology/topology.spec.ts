import { topologyFromEnv } from './topology';

const available = ['users', 'catalog'] as const;

describe('topologyFromEnv', () => {
  it('hosts every available context in process by default in the monolith', () => {
    const topology = topologyFromEnv({}, { kind: 'monolith' }, available);
    expect(topology.transport).toBe('inproc');
    expect(topology.hosted).toEqual(['users', 'catalog']);
    expect(topology.tcpAddresses.users).toEqual({ host: '127.0.0.1', port: 4001 });
  });

  it('lets the monolith host a subset and reach the rest over tcp', () => {
    const topology = topologyFromEnv({ CONTEXTS: 'users', TRANSPORT: 'tcp', CATALOG_TCP_ADDRESS: 'catalog.internal:5002' }, { kind: 'monolith' }, available);
    expect(topology.hosted).toEqual(['users']);
    expect(topology.tcpAddresses.catalog).toEqual({ host: 'catalog.internal', port: 5002 });
  });

  it('refuses in-process transport when a context is not hosted', () => {
    expect(() => topologyFromEnv({ CONTEXTS: 'users' }, { kind: 'monolith' }, available)).toThrow(/TRANSPORT=inproc cannot reach catalog/);
  });

  it('names the variable of a malformed address', () => {
    expect(() => topologyFromEnv({ USERS_TCP_ADDRESS: 'nowhere' }, { kind: 'gateway' }, available)).toThrow(/USERS_TCP_ADDRESS/);
  });

  it('refuses a context this build cannot host', () => {
    expect(() => topologyFromEnv({ CONTEXTS: 'users,billing' }, { kind: 'monolith' }, available)).toThrow(/billing/);
  });

  it('gives a context process its one context over tcp', () => {
    const topology = topologyFromEnv({}, { kind: 'context', context: 'catalog' }, available);
    expect(topology).toMatchObject({ transport: 'tcp', hosted: ['catalog'] });
  });
});
