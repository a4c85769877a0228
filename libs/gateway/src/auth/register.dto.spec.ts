import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { fieldProblems } from '../problems/validation-problem.factory';
import { RegisterDto } from './register.dto';

async function problemsOf(body: Record<string, unknown>) {
  const errors = await validate(plainToInstance(RegisterDto, body), {
    whitelist: true,
    forbidNonWhitelisted: true,
    validationError: { target: false, value: true },
  });
  return fieldProblems(errors);
}

describe('RegisterDto', () => {
  const valid = { email: 'ada@example.com', password: 'correct horse battery', name: 'Ada Lovelace' };

  it('takes a password of printable characters, spaces, accents and emoji included', async () => {
    expect(await problemsOf(valid)).toEqual([]);
    expect(await problemsOf({ ...valid, password: ' caf\u00e9 \ud83d\ude00 \u00a0x ' })).toEqual([]);
  });

  it.each([
    ['a trailing NUL', 'correct horse battery\u0000'],
    ['several trailing NULs', 'correct horse battery\u0000\u0000\u0000'],
    ['a NUL inside', 'correct\u0000horse'],
    ['a tab', 'correct\thorse battery'],
    ['a line break', 'correct horse\nbattery'],
    ['an escape', 'correct horse \u001b[31m'],
    ['DEL', 'correct horse\u007f'],
    ['a C1 control', 'correct horse\u0085battery'],
    ['the last C1 control', 'correct horse\u009fbattery'],
  ])('refuses a password with %s, naming the field', async (_name, password) => {
    expect(await problemsOf({ ...valid, password })).toEqual([{ field: 'password', message: 'password must not contain control characters' }]);
  });

  it('reports a password that is not a string once, as a wrong type', async () => {
    const problems = await problemsOf({ ...valid, password: 12345678 });
    expect(problems.map((p) => p.message)).not.toContain('password must not contain control characters');
    expect(problems).toContainEqual({ field: 'password', message: 'password must be a string' });
  });
});
