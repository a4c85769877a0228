import { Controller, Get, Logger, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ApiProblemOf, ApiProblems } from './api-problems.decorator';
import { PROBLEM_CONTENT_TYPE } from '@tessera/platform';
import { ProblemDto } from './problem.dto';

class StockProblemDto extends ProblemDto {}

@ApiProblems({ 409: ['CONCURRENT_MODIFICATION: retry'], 429: ['RATE_LIMITED'] })
@Controller('things')
class ThingsController {
  @Post()
  @ApiProblems({ 409: ['SKU_TAKEN'] })
  @ApiProblems({ 409: ['INSUFFICIENT_STOCK: not enough left'], 429: ['RATE_LIMITED'] })
  create(): void {}

  @Get()
  @ApiProblemOf(402, StockProblemDto, ['PAYMENT_DECLINED'])
  list(): void {}
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

describe('@ApiProblems', () => {
  let app: NestFastifyApplication;
  let responses: (method: 'get' | 'post') => Record<
    string,
    {
      description: string;
      content: Record<string, { schema: { $ref: string }; examples: Record<string, { summary: string; value: Record<string, unknown> }> }>;
    }
  >;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    app = await NestFactory.create<NestFastifyApplication>(ThingsModule, new FastifyAdapter(), { logger: false });
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    responses = (method) => (document.paths['/things'] as never)[method]['responses'];
  });

  afterAll(async () => {
    await app?.close();
  });

  it('shows each code of a status as an example with that status, from every decorator of the route and its controller', () => {
    const conflict = responses('post')['409'];
    expect(Object.keys(conflict.content[PROBLEM_CONTENT_TYPE].examples).sort()).toEqual(['CONCURRENT_MODIFICATION', 'INSUFFICIENT_STOCK', 'SKU_TAKEN']);
    expect(conflict.content[PROBLEM_CONTENT_TYPE].examples.INSUFFICIENT_STOCK).toEqual({
      summary: 'INSUFFICIENT_STOCK: not enough left',
      value: { type: 'about:blank', title: 'Conflict', status: 409, detail: expect.any(String), code: 'INSUFFICIENT_STOCK' },
    });
    // Decorators apply from the bottom up, the controller's last.
    expect(conflict.description).toBe('INSUFFICIENT_STOCK: not enough left\n\nSKU_TAKEN\n\nCONCURRENT_MODIFICATION: retry');
  });

  it('names a code the route and its controller both document once', () => {
    const limited = responses('post')['429'];
    expect(limited.description).toBe('RATE_LIMITED');
    expect(limited.content[PROBLEM_CONTENT_TYPE].examples.RATE_LIMITED.value).toMatchObject({ status: 429, title: 'Too Many Requests', code: 'RATE_LIMITED' });
  });

  it('keeps the members of a problem type of its own in the example, under its schema', () => {
    const declined = responses('get')['402'].content[PROBLEM_CONTENT_TYPE];
    expect(declined.schema.$ref).toMatch(/StockProblemDto$/);
    expect(declined.examples.PAYMENT_DECLINED.value).toMatchObject({ status: 402, code: 'PAYMENT_DECLINED', paymentId: expect.any(String) });
    expect(responses('get')['409'].content[PROBLEM_CONTENT_TYPE].examples).toEqual({ CONCURRENT_MODIFICATION: expect.anything() });
  });

  it('refuses a code it has no example for, naming the table to add it to', () => {
    expect(() => ApiProblems({ 418: ['TEAPOT'] })).toThrow(
      '@ApiProblems: no example for the problem code TEAPOT; add one to PROBLEM_EXAMPLES in problem-examples.ts',
    );
  });
});
