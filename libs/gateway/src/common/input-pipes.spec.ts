import { ArgumentMetadata, PipeTransform, ValidationPipe } from '@nestjs/common';
import { IsInt, IsString } from 'class-validator';
import { PipesInTurn, ValidationPipeAnsweringAtOnce } from './input-pipes';

class NameDto {
  @IsString()
  name!: string;

  @IsInt()
  count!: number;
}

const options = { whitelist: true, forbidNonWhitelisted: true, transform: true };

/** A pipe that notes what it was given and answers `answer(value)`. */
function recording(name: string, seen: string[], answer: (value: unknown) => unknown = (value) => value): PipeTransform {
  return {
    transform(value: unknown) {
      seen.push(`${name}:${String(value)}`);
      return answer(value);
    },
  };
}

describe('PipesInTurn', () => {
  const metadata: ArgumentMetadata = { type: 'param', data: 'id', metatype: String };

  it('runs every pipe in order on what the one before answered, and answers a value, not a promise, when none waits', () => {
    const seen: string[] = [];
    const pipes = new PipesInTurn([recording('a', seen, (value) => `${String(value)}1`), recording('b', seen, (value) => `${String(value)}2`)]);
    expect(pipes.transform('x', metadata)).toBe('x12');
    expect(seen).toEqual(['a:x', 'b:x1']);
  });

  it('runs the rest once a pipe that answers a promise has settled', async () => {
    const seen: string[] = [];
    const pipes = new PipesInTurn([
      recording('a', seen, (value) => Promise.resolve(`${String(value)}1`)),
      recording('b', seen, (value) => `${String(value)}2`),
    ]);
    const answer = pipes.transform('x', metadata);
    expect(seen).toEqual(['a:x']);
    await expect(answer).resolves.toBe('x12');
    expect(seen).toEqual(['a:x', 'b:x1']);
  });

  it('stops at the first pipe that refuses, as Nest does', async () => {
    const seen: string[] = [];
    const refusing = recording('a', seen, () => {
      throw new Error('refused');
    });
    expect(() => new PipesInTurn([refusing, recording('b', seen)]).transform('x', metadata)).toThrow('refused');
    const refusingLater = recording('a', seen, () => Promise.reject(new Error('refused later')));
    await expect(new PipesInTurn([refusingLater, recording('c', seen)]).transform('y', metadata)).rejects.toThrow('refused later');
    expect(seen).toEqual(['a:x', 'a:y']);
  });
});

describe('ValidationPipeAnsweringAtOnce', () => {
  const atOnce = new ValidationPipeAnsweringAtOnce(options);
  const nests = new ValidationPipe(options);

  it.each<[string, unknown, ArgumentMetadata]>([
    ['a path parameter typed as a string', 'abc', { type: 'param', data: 'id', metatype: String }],
    ['a query parameter typed as a number', '42', { type: 'query', data: 'page', metatype: Number }],
    ['a query parameter typed as a boolean', 'true', { type: 'query', data: 'all', metatype: Boolean }],
    ['an untyped parameter', 'abc', { type: 'param', data: 'id' }],
    ['a custom parameter', { sub: 'u1' }, { type: 'custom', metatype: Object }],
  ])('answers %s at once, with what Nest’s pipe answers', async (_name, value, metadata) => {
    const answer = atOnce.transform(value, metadata) as unknown;
    expect(answer).not.toBeInstanceOf(Promise);
    expect(answer).toEqual(await nests.transform(value, metadata));
  });

  it('validates a DTO as Nest’s pipe does', async () => {
    const body: ArgumentMetadata = { type: 'body', metatype: NameDto };
    await expect(Promise.resolve(atOnce.transform({ name: 'Ada', count: 2 }, body))).resolves.toEqual(await nests.transform({ name: 'Ada', count: 2 }, body));
    const refusal = (pipe: ValidationPipe) => Promise.resolve(pipe.transform({ name: 'Ada', count: 'two', extra: 1 }, body)).catch((error: unknown) => error);
    const [ours, theirs] = await Promise.all([refusal(atOnce), refusal(nests)]);
    expect(ours).toBeInstanceOf(Error);
    expect(ours).toEqual(theirs);
  });
});
