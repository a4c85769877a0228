import { gatewayHearsRemoteEvents, localEventConsumers, topologyFromEnv } from './topology';

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

  it('lets the gateway listen for its events at GATEWAY_TCP_ADDRESS, and publishers reach every gateway listed in GATEWAY_TCP_ADDRESSES', () => {
    const gateway = topologyFromEnv({ TRANSPORT: 'tcp', GATEWAY_TCP_ADDRESS: '10.0.0.7:4100' }, { kind: 'gateway' }, available);
    expect(gateway.gatewayTcpAddress).toEqual({ host: '10.0.0.7', port: 4100 });
    expect(gateway.gatewayTcpAddresses).toEqual([{ host: '10.0.0.7', port: 4100 }]);
    const users = topologyFromEnv({ GATEWAY_TCP_ADDRESSES: 'gw-1:4000, gw-2:4000' }, { kind: 'context', context: 'users' }, available);
    expect(users.gatewayTcpAddresses).toEqual([{ host: 'gw-1', port: 4000 }, { host: 'gw-2', port: 4000 }]);
    expect(() => topologyFromEnv({ GATEWAY_TCP_ADDRESSES: 'gw-1:4000,gw-2' }, { kind: 'gateway' }, available)).toThrow(/GATEWAY_TCP_ADDRESSES/);
  });

  it('counts the gateway among the event consumers of the processes that serve the API, and has it listen when a context runs elsewhere', () => {
    const monolith = topologyFromEnv({}, { kind: 'monolith' }, ['users', 'catalog', 'ordering', 'payments']);
    expect(localEventConsumers(monolith)).toEqual(['users', 'catalog', 'ordering', 'payments', 'gateway']);
    expect(gatewayHearsRemoteEvents(monolith)).toBe(false);
    const gateway = topologyFromEnv({ TRANSPORT: 'nats' }, { kind: 'gateway' }, available);
    expect(localEventConsumers(gateway)).toEqual(['gateway']);
    expect(gatewayHearsRemoteEvents(gateway)).toBe(true);
    const users = topologyFromEnv({}, { kind: 'context', context: 'users' }, available);
    expect(localEventConsumers(users)).toEqual(['users']);
    expect(gatewayHearsRemoteEvents(users)).toBe(false);
  });
});
