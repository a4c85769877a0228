import { gatewayHearsRemoteEvents, localEventConsumers, topologyFromEnv } from './topology';

const available = ['users', 'catalog'] as const;

describe('topologyFromEnv', () => {
  it('hosts every available context in process by default in the monolith', () => {
    const topology = topologyFromEnv({}, { kind: 'monolith' }, available);
    expect(topology.transport).toBe('inproc');
    expect(topology.hosted).toEqual(['users', 'catalog']);
    expect(topology.tcpAddresses.users).toEqual([{ host: '127.0.0.1', port: 4001 }]);
  });

  it('lets the monolith host a subset and reach the rest over tcp', () => {
    const topology = topologyFromEnv({ CONTEXTS: 'users', TRANSPORT: 'tcp', CATALOG_TCP_ADDRESS: 'catalog.internal:5002' }, { kind: 'monolith' }, available);
    expect(topology.hosted).toEqual(['users']);
    expect(topology.tcpAddresses.catalog).toEqual([{ host: 'catalog.internal', port: 5002 }]);
  });

  it('reaches a context at every address <CONTEXT>_TCP_ADDRESS lists, and balances by least pending unless TCP_BALANCING says otherwise', () => {
    const gateway = topologyFromEnv({ TRANSPORT: 'tcp', CATALOG_TCP_ADDRESS: 'catalog-0:4002, catalog-1:4002' }, { kind: 'gateway' }, available);
    expect(gateway.tcpAddresses.catalog).toEqual([
      { host: 'catalog-0', port: 4002 },
      { host: 'catalog-1', port: 4002 },
    ]);
    expect(gateway.tcpBalancing).toBe('least-pending');
    expect(topologyFromEnv({ TCP_BALANCING: 'round-robin' }, { kind: 'gateway' }, available).tcpBalancing).toBe('round-robin');
    expect(() => topologyFromEnv({ TCP_BALANCING: 'fastest' }, { kind: 'gateway' }, available)).toThrow(/TCP_BALANCING/);
    expect(() => topologyFromEnv({ CATALOG_TCP_ADDRESS: 'catalog-0:4002,catalog-1' }, { kind: 'gateway' }, available)).toThrow(/CATALOG_TCP_ADDRESS/);
  });

  it('has a context listen where it is reached when that is one address, and at <CONTEXT>_TCP_LISTEN_ADDRESS when it is one replica of several', () => {
    expect(topologyFromEnv({ CATALOG_TCP_ADDRESS: 'catalog:5002' }, { kind: 'context', context: 'catalog' }, available).tcpListenAddresses).toEqual({
      catalog: { host: 'catalog', port: 5002 },
    });
    const replicas = { CATALOG_TCP_ADDRESS: 'catalog-0:4002,catalog-1:4002' };
    const replica = topologyFromEnv({ ...replicas, CATALOG_TCP_LISTEN_ADDRESS: '0.0.0.0:4002' }, { kind: 'context', context: 'catalog' }, available);
    expect(replica.tcpListenAddresses).toEqual({ catalog: { host: '0.0.0.0', port: 4002 } });
    expect(() => topologyFromEnv(replicas, { kind: 'context', context: 'catalog' }, available)).toThrow(/set CATALOG_TCP_LISTEN_ADDRESS/);
    // Only a process that hosts the context needs to know which replica it is.
    expect(topologyFromEnv(replicas, { kind: 'context', context: 'users' }, available).tcpListenAddresses).toEqual({
      users: { host: '127.0.0.1', port: 4001 },
    });
  });

  it('keeps events in classic RabbitMQ queues unless RABBITMQ_EVENT_QUEUE_TYPE asks for quorum ones, and refuses another type', () => {
    expect(topologyFromEnv({ TRANSPORT: 'rmq' }, { kind: 'gateway' }, available).rabbitmqEventQueueType).toBe('classic');
    expect(topologyFromEnv({ TRANSPORT: 'rmq', RABBITMQ_EVENT_QUEUE_TYPE: 'quorum' }, { kind: 'gateway' }, available).rabbitmqEventQueueType).toBe('quorum');
    expect(() => topologyFromEnv({ TRANSPORT: 'rmq', RABBITMQ_EVENT_QUEUE_TYPE: 'stream' }, { kind: 'gateway' }, available)).toThrow(
      'RABBITMQ_EVENT_QUEUE_TYPE must be one of classic, quorum; got "stream"',
    );
  });

  it('keeps each NATS event stream on one server unless NATS_STREAM_REPLICAS asks for up to five, and refuses another count', () => {
    expect(topologyFromEnv({ TRANSPORT: 'nats' }, { kind: 'gateway' }, available).natsStreamReplicas).toBe(1);
    expect(topologyFromEnv({ TRANSPORT: 'nats', NATS_STREAM_REPLICAS: '3' }, { kind: 'gateway' }, available).natsStreamReplicas).toBe(3);
    for (const count of ['0', '6', '2.5', 'three']) {
      expect(() => topologyFromEnv({ TRANSPORT: 'nats', NATS_STREAM_REPLICAS: count }, { kind: 'gateway' }, available)).toThrow(
        `NATS_STREAM_REPLICAS must be a whole number from 1 to 5; got "${count}"`,
      );
    }
  });

  it("reads NATS_URL and RABBITMQ_URL as one broker's address or a cluster's, comma-separated, and defaults to the local ones", () => {
    const single = topologyFromEnv({ TRANSPORT: 'nats' }, { kind: 'gateway' }, available);
    expect([single.natsUrls, single.rabbitmqUrls]).toEqual([['nats://127.0.0.1:4222'], ['amqp://guest:guest@127.0.0.1:5672']]);
    const cluster = topologyFromEnv(
      {
        TRANSPORT: 'rmq',
        NATS_URL: 'nats://nats-0:4222, nats://nats-1:4222,',
        RABBITMQ_URL: 'amqp://shop:pw@rabbit-0:5672,amqps://shop:pw@rabbit-1:5671/shop,amqp://shop:pw@rabbit-0:5672',
      },
      { kind: 'gateway' },
      available,
    );
    expect(cluster.natsUrls).toEqual(['nats://nats-0:4222', 'nats://nats-1:4222']);
    expect(cluster.rabbitmqUrls).toEqual(['amqp://shop:pw@rabbit-0:5672', 'amqps://shop:pw@rabbit-1:5671/shop']);
  });

  it("refuses a broker address that is not a URL of the broker's schemes, naming the variable and the address without its password", () => {
    expect(() =>
      topologyFromEnv({ TRANSPORT: 'rmq', RABBITMQ_URL: 'amqp://shop:pw@rabbit-0:5672,http://shop:pw@rabbit-1' }, { kind: 'gateway' }, available),
    ).toThrow('RABBITMQ_URL must be a URL, or several separated by commas, each amqp:// or amqps://; got "http://shop@rabbit-1/"');
    expect(() => topologyFromEnv({ TRANSPORT: 'nats', NATS_URL: 'nats://tessera-gateway:<password>@nats:4222' }, { kind: 'gateway' }, available)).toThrow(
      /^NATS_URL must be a URL, or several separated by commas, each nats:\/\/ or tls:\/\/; got "nats:\/\/tessera-gateway@nats:4222"$/,
    );
    expect(() => topologyFromEnv({ TRANSPORT: 'nats', NATS_URL: 'nats://nats-0:4222,nats-1:4222' }, { kind: 'gateway' }, available)).toThrow(
      'NATS_URL must be a URL, or several separated by commas, each nats:// or tls://; got "nats-1:4222"',
    );
    expect(() => topologyFromEnv({ TRANSPORT: 'nats', NATS_URL: 'nats://u:p@nats-0:4222,nats://nats-1:4222' }, { kind: 'gateway' }, available)).toThrow(
      /^NATS_URL lists servers with different credentials/,
    );
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
    expect(users.gatewayTcpAddresses).toEqual([
      { host: 'gw-1', port: 4000 },
      { host: 'gw-2', port: 4000 },
    ]);
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
