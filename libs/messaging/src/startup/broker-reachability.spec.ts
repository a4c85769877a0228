import { ErrorCode, NatsError } from 'nats';
import { topologyFromEnv } from '../topology/topology';
import { TEST_RABBITMQ_URL } from '../../../../test/harness/brokers';
import { describeWith } from '../../../../test/harness/services';
import { assertBrokerReachable, BROKER_RETRY_PAUSE_MS, BROKER_START_BUDGET_MS } from './broker-reachability';
import { ConfigurationError, DependencyUnavailableError, withoutPassword } from './start-refusal';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5999'), { code: 'ECONNREFUSED' });

describe('assertBrokerReachable', () => {
  it('keeps its budget inside the 10 s a start may take, with room for several tries', () => {
    expect(BROKER_START_BUDGET_MS).toBeLessThanOrEqual(6000);
    expect(BROKER_START_BUDGET_MS / BROKER_RETRY_PAUSE_MS).toBeGreaterThanOrEqual(4);
  });

  it('asks nothing of a process without a broker', async () => {
    const tryConnection = jest.fn();
    await assertBrokerReachable(topologyFromEnv({ TRANSPORT: 'tcp' }, { kind: 'gateway' }, []), { tryConnection });
    expect(tryConnection).not.toHaveBeenCalled();
  });

  it('resolves once the broker takes a connection, after refusals within the budget', async () => {
    const tryConnection = jest.fn().mockRejectedValueOnce(refused()).mockRejectedValueOnce(refused()).mockResolvedValue(undefined);
    const topology = topologyFromEnv({ TRANSPORT: 'nats', NATS_URL: 'nats://broker:4222' }, { kind: 'gateway' }, []);

    await assertBrokerReachable(topology, { budgetMs: 5000, pauseMs: 1, tryConnection });

    expect(tryConnection).toHaveBeenCalledTimes(3);
    expect(tryConnection).toHaveBeenCalledWith('nats://broker:4222', expect.any(Number));
  });

  it('gives up when the budget is spent, naming the broker, its URL without the password, and the variable to set', async () => {
    const topology = topologyFromEnv({ TRANSPORT: 'rmq', RABBITMQ_URL: 'amqp://shop:s3cret@rabbit:5999' }, { kind: 'gateway' }, []);
    const tryConnection = jest.fn().mockRejectedValue(refused());

    const refusal = await assertBrokerReachable(topology, { budgetMs: 40, pauseMs: 10, tryConnection }).catch((error: Error) => error);

    expect(refusal).toBeInstanceOf(DependencyUnavailableError);
    expect((refusal as Error).message).toBe(
      'RabbitMQ at amqp://shop@rabbit:5999 did not accept a connection within 0.04 s (ECONNREFUSED): start it, or set RABBITMQ_URL to where it runs',
    );
    expect(tryConnection.mock.calls.every(([, timeoutMs]) => timeoutMs <= 40)).toBe(true);
  });
});

describe("assertBrokerReachable, on a cluster's nodes", () => {
  const cluster = (url: string) => topologyFromEnv({ TRANSPORT: 'rmq', RABBITMQ_URL: url }, { kind: 'gateway' }, []);

  it('resolves when a node other than the first takes the connection, in the first round', async () => {
    const tryConnection = jest.fn((url: string) => (url.includes('rabbit-1') ? Promise.resolve() : Promise.reject(refused())));

    await assertBrokerReachable(cluster('amqp://shop:pw@rabbit-0:5672,amqp://shop:pw@rabbit-1:5672,amqp://shop:pw@rabbit-2:5672'), {
      budgetMs: 5000,
      pauseMs: 1000,
      tryConnection,
    });

    expect(tryConnection.mock.calls.map(([url]) => url)).toEqual(['amqp://shop:pw@rabbit-0:5672', 'amqp://shop:pw@rabbit-1:5672']);
  });

  it('gives a node that does not answer no more than its share of the budget, so that the next is tried in time', async () => {
    const tryConnection = jest.fn((url: string, timeoutMs: number) =>
      url.includes('rabbit-0') ? new Promise<void>((_, reject) => setTimeout(() => reject(new Error('timed out')), timeoutMs)) : Promise.resolve(),
    );

    await assertBrokerReachable(cluster('amqp://rabbit-0:5672,amqp://rabbit-1:5672'), { budgetMs: 200, pauseMs: 10, tryConnection });

    const [[, firstTimeoutMs], [secondUrl]] = tryConnection.mock.calls;
    expect(firstTimeoutMs).toBeLessThanOrEqual(100);
    expect(secondUrl).toBe('amqp://rabbit-1:5672');
  });

  it('names every node and what each last answered when none took a connection, without their passwords', async () => {
    const tryConnection = jest.fn((url: string) =>
      Promise.reject(url.includes('rabbit-0') ? refused() : Object.assign(new Error('getaddrinfo ENOTFOUND rabbit-1'), { code: 'ENOTFOUND' })),
    );

    const refusal = (await assertBrokerReachable(cluster('amqp://shop:s3cret@rabbit-0:5672,amqp://shop:s3cret@rabbit-1:5672'), {
      budgetMs: 40,
      pauseMs: 10,
      tryConnection,
    }).catch((error: Error) => error)) as Error;

    expect(refusal).toBeInstanceOf(DependencyUnavailableError);
    expect(refusal.message).toBe(
      'RabbitMQ at amqp://shop@rabbit-0:5672, amqp://shop@rabbit-1:5672 did not accept a connection within 0.04 s (amqp://shop@rabbit-0:5672: ECONNREFUSED; amqp://shop@rabbit-1:5672: ENOTFOUND): start it, or set RABBITMQ_URL to where it runs',
    );
  });

  it('refuses at once when one node refuses the login, which every node of a cluster shares', async () => {
    const tryConnection = jest.fn((url: string) =>
      Promise.reject(url.includes('rabbit-1') ? new Error('Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED"') : refused()),
    );

    const refusal = (await assertBrokerReachable(cluster('amqp://shop:s3cret@rabbit-0:5672,amqp://shop:s3cret@rabbit-1:5672'), {
      budgetMs: 5000,
      pauseMs: 1,
      tryConnection,
    }).catch((error: Error) => error)) as Error;

    expect(tryConnection).toHaveBeenCalledTimes(2);
    expect(refusal.message).toMatch(/^RabbitMQ at amqp:\/\/shop@rabbit-1:5672 refused the login in RABBITMQ_URL \(ACCESS_REFUSED\)/);
  });
});

describe('assertBrokerReachable, when NATS refuses the credentials', () => {
  const authorizationViolation = () => new NatsError("'Authorization Violation'", ErrorCode.AuthorizationViolation);
  const natsTopology = (url: string) => topologyFromEnv({ TRANSPORT: 'nats', NATS_URL: url }, { kind: 'gateway' }, []);

  it('refuses at the first answer, since waiting mends nothing, and says the URL has no credentials when it has none', async () => {
    const tryConnection = jest.fn().mockRejectedValue(authorizationViolation());

    const refusal = await assertBrokerReachable(natsTopology('nats://broker:4222'), { budgetMs: 5000, pauseMs: 1, tryConnection }).catch(
      (error: Error) => error,
    );

    expect(tryConnection).toHaveBeenCalledTimes(1);
    expect(refusal).toBeInstanceOf(DependencyUnavailableError);
    expect((refusal as Error).message).toBe(
      'NATS at nats://broker:4222 requires credentials and NATS_URL has none: put the user and password (nats://<user>:<password>@<host>:<port>) or the token (nats://<token>@<host>:<port>) the server expects in NATS_URL',
    );
  });

  it.each([
    ['a user and password', 'nats://tessera:hush-hush@broker:4222', 'nats://tessera@broker:4222'],
    ['a token', 'nats://hush-hush@broker:4222', 'nats://***@broker:4222'],
  ])('names the refused credentials of %s without showing the secret', async (_kind, url, shown) => {
    const tryConnection = jest.fn().mockRejectedValue(authorizationViolation());

    const refusal = (await assertBrokerReachable(natsTopology(url), { budgetMs: 5000, pauseMs: 1, tryConnection }).catch((error: Error) => error)) as Error;

    expect(refusal.message).toBe(
      `NATS at ${shown} refused the credentials in NATS_URL (AUTHORIZATION_VIOLATION): set NATS_URL's user and password, or its token, to ones the server accepts`,
    );
    expect(refusal.message).not.toContain('hush-hush');
  });
});

describe('assertBrokerReachable, when RabbitMQ refuses the login or the virtual host', () => {
  const rabbitTopology = (url: string) => topologyFromEnv({ TRANSPORT: 'rmq', RABBITMQ_URL: url }, { kind: 'gateway' }, []);
  // amqplib's words for each, as a RabbitMQ broker answers (the spec below asks a real one).
  const accessRefused = () =>
    new Error(
      'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile."',
    );
  const vhostRefused = () => new Error('Expected ConnectionOpenOk; got <ConnectionClose channel:0>');

  it('refuses at the first answer with a refused login, since waiting mends nothing, without showing the password', async () => {
    const tryConnection = jest.fn().mockRejectedValue(accessRefused());

    const refusal = (await assertBrokerReachable(rabbitTopology('amqp://shop:hush-hush@rabbit:5672/shop'), { budgetMs: 5000, pauseMs: 1, tryConnection }).catch(
      (error: Error) => error,
    )) as Error;

    expect(tryConnection).toHaveBeenCalledTimes(1);
    expect(refusal).toBeInstanceOf(DependencyUnavailableError);
    expect(refusal.message).toMatch(/refused the login in RABBITMQ_URL \(ACCESS_REFUSED\)/);
    expect(refusal.message).not.toContain('hush-hush');
  });

  it('keeps trying a virtual host that closes the connection, which a connection limit may do for a while, then says what it may be', async () => {
    const tryConnection = jest.fn().mockRejectedValueOnce(vhostRefused()).mockRejectedValueOnce(vhostRefused()).mockResolvedValue(undefined);
    await assertBrokerReachable(rabbitTopology('amqp://shop:hush-hush@rabbit:5672/shop'), { budgetMs: 5000, pauseMs: 1, tryConnection });
    expect(tryConnection).toHaveBeenCalledTimes(3);

    const refusal = (await assertBrokerReachable(rabbitTopology('amqp://shop:hush-hush@rabbit:5672/shop'), {
      budgetMs: 40,
      pauseMs: 10,
      tryConnection: jest.fn().mockRejectedValue(vhostRefused()),
    }).catch((error: Error) => error)) as Error;
    expect(refusal).toBeInstanceOf(DependencyUnavailableError);
    expect(refusal.message).toMatch(/closed every connection on opening the virtual host .* for 0.04 s: .*connection limit/);
    expect(refusal.message).not.toContain('hush-hush');
  });
});

describeWith(['rmq'])('assertBrokerReachable, against a real RabbitMQ that refuses', () => {
  const broker = new URL(TEST_RABBITMQ_URL);
  const withLogin = (user: string, password: string, vhost = '') => `amqp://${user}:${password}@${broker.host}/${vhost}`;

  it.each([
    ['a wrong password', withLogin(decodeURIComponent(broker.username), 'not-the-password'), /refused the login in RABBITMQ_URL/],
    ['a user it does not know', withLogin('nobody-at-all', 'whatever'), /refused the login in RABBITMQ_URL/],
    [
      'a virtual host that does not exist',
      withLogin(decodeURIComponent(broker.username), decodeURIComponent(broker.password), 'no-such-vhost'),
      /closed every connection on opening the virtual host/,
    ],
  ])('says so for %s, rather than that the broker is not there', async (_case, url, expected) => {
    const topology = topologyFromEnv({ TRANSPORT: 'rmq', RABBITMQ_URL: url }, { kind: 'gateway' }, []);

    const refusal = (await assertBrokerReachable(topology, { budgetMs: 2000 }).catch((error: Error) => error)) as Error;

    expect(refusal).toBeInstanceOf(DependencyUnavailableError);
    expect(refusal.message).toMatch(expected);
  });
});

describe('withoutPassword', () => {
  it('drops the password and keeps the user', () => {
    expect(withoutPassword('postgres://shop:pa%40ss@db:5432/shop')).toBe('postgres://shop@db:5432/shop');
    expect(withoutPassword('nats://tessera:pa%40ss@broker:4222')).toBe('nats://tessera@broker:4222');
    expect(withoutPassword('redis://:hush-hush@cache:6379')).toBe('redis://cache:6379');
    expect(withoutPassword('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
  });

  it('hides a NATS token, which stands where a user would, and keeps a user without a password elsewhere', () => {
    expect(withoutPassword('nats://hush-hush@broker:4222')).toBe('nats://***@broker:4222');
    expect(withoutPassword('tls://hush-hush@broker:4222')).toBe('tls://***@broker:4222');
    expect(withoutPassword('postgres://shop@db:5432/shop')).toBe('postgres://shop@db:5432/shop');
  });
});

describe('start refusals', () => {
  it('are told apart by kind', () => {
    expect(new ConfigurationError('x')).toBeInstanceOf(Error);
    expect(new ConfigurationError('x').name).toBe('ConfigurationError');
    expect(new ConfigurationError('x')).not.toBeInstanceOf(DependencyUnavailableError);
  });
});
