import { CanActivate, INestMicroservice, Injectable, Logger, UseGuards } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { Ctx, MessagePattern, Payload, Transport } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { ERROR_CODES } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';
import { correlationIdOf } from '../correlation/correlation.envelope';
import { runWithCorrelation } from '../correlation/correlation.store';
import { InProcessBroker } from '../inproc/in-process.broker';
import { InProcessContext } from '../inproc/in-process.context';
import { IN_PROCESS_TRANSPORT, InProcessServer } from '../inproc/in-process.server';
import { MessagesController } from '../messages-controller.decorator';
import { callHandlersDirectly, directRequestHandlers } from './direct-request-handlers';

const seen: { payload: unknown; pattern?: string; correlationId?: string }[] = [];

@MessagesController()
class PlainHandlers {
  @MessagePattern('spec.echo')
  echo(@Payload() payload: { items: string[] }, @Ctx() context: InProcessContext) {
    seen.push({ payload, pattern: context.getPattern(), correlationId: correlationIdOf(payload) });
    payload.items.push('changed by the handler');
    return { echoed: payload.items };
  }

  @MessagePattern('spec.count')
  count(@Payload() payload: { items: string[] }) {
    return { count: payload.items.length };
  }

  @MessagePattern('spec.refuse')
  refuse(): never {
    throw new DomainError(ERROR_CODES.PRODUCT_NOT_FOUND, 'No such product');
  }

  @MessagePattern('spec.crash')
  crash(): never {
    throw new Error('a bug');
  }

  // What Nest picks out of the payload is left to Nest.
  @MessagePattern('spec.one-field')
  oneField(@Payload('name') name: string) {
    return { name };
  }

  @MessagePattern('spec.over-tcp-only', Transport.TCP)
  overTcpOnly() {
    return 'tcp';
  }
}

@Injectable()
class RefusingGuard implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@MessagesController()
@UseGuards(RefusingGuard)
class GuardedHandlers {
  @MessagePattern('spec.guarded')
  guarded() {
    return 'ran';
  }
}

describe('callHandlersDirectly', () => {
  let broker: InProcessBroker;
  let server: INestMicroservice;
  let viaNest: InProcessBroker;
  let nestServer: INestMicroservice;
  let modules: ModulesContainer;

  beforeAll(async () => {
    // The crash is logged as an unexpected failure, as it should be; not in the test's output.
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({ controllers: [PlainHandlers, GuardedHandlers], providers: [RefusingGuard] }).compile();
    modules = moduleRef.get(ModulesContainer);
    broker = new InProcessBroker();
    const strategy = new InProcessServer(broker);
    server = moduleRef.createNestMicroservice({ strategy, logger: false });
    await server.init();
    callHandlersDirectly(strategy, modules);
    await server.listen();
    // The same handlers through Nest's RPC pipeline, as before: what the direct calls must answer alike.
    viaNest = new InProcessBroker();
    nestServer = moduleRef.createNestMicroservice({ strategy: new InProcessServer(viaNest), logger: false });
    await nestServer.listen();
  });

  afterAll(async () => {
    await server.close();
    await nestServer.close();
  });

  beforeEach(() => (seen.length = 0));

  it('takes only the handlers whose Nest pipeline would do nothing', () => {
    const handlers = directRequestHandlers(modules, IN_PROCESS_TRANSPORT);
    expect([...handlers.keys()].sort()).toEqual(['spec.count', 'spec.crash', 'spec.echo', 'spec.refuse']);
  });

  it('hands a handler a copy of the payload with its correlation id and the context, and answers a copy of its result', async () => {
    const sent = { items: ['a'] };
    const answer = await runWithCorrelation('req-direct-1', () => broker.request('spec.echo', sent));

    expect(answer).toEqual({ echoed: ['a', 'changed by the handler'] });
    expect(sent).toEqual({ items: ['a'] });
    expect(seen).toEqual([
      { payload: expect.objectContaining({ items: ['a', 'changed by the handler'] }), pattern: 'spec.echo', correlationId: 'req-direct-1' },
    ]);
    expect(await viaNest.request('spec.echo', { items: ['a'] })).toEqual(answer);
  });

  it('hands a handler of the payload alone its payload', async () => {
    expect(await broker.request('spec.count', { items: ['a', 'b'] })).toEqual({ count: 2 });
    expect(await viaNest.request('spec.count', { items: ['a', 'b'] })).toEqual({ count: 2 });
  });

  it("fails with the wire's error shape, as through Nest's pipeline", async () => {
    for (const pattern of ['spec.refuse', 'spec.crash']) {
      const direct = await broker.request(pattern, {}).catch((error: unknown) => error);
      const nest = await viaNest.request(pattern, {}).catch((error: unknown) => error);
      expect(direct).toEqual(nest);
    }
    expect(await broker.request('spec.refuse', {}).catch((error: unknown) => error)).toMatchObject({
      code: ERROR_CODES.PRODUCT_NOT_FOUND,
      message: 'No such product',
    });
  });

  it('leaves to Nest a handler with a guard, which still runs, and a parameter that picks from the payload', async () => {
    await expect(broker.request('spec.guarded', {})).rejects.toMatchObject({ message: 'Forbidden resource' });
    expect(await broker.request('spec.one-field', { name: 'Ada', other: 1 })).toEqual({ name: 'Ada' });
  });

  it('does not serve in process a handler bound to another transport', async () => {
    await expect(broker.request('spec.over-tcp-only', {})).rejects.toThrow(/no matching message handler/i);
  });
});
