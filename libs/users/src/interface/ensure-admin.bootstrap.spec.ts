import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { EnsureAdminCommand } from '../application/commands/ensure-admin/ensure-admin.command';
import type { EnsureAdminHandler, EnsureAdminOutcome } from '../application/commands/ensure-admin/ensure-admin.handler';
import { EnsureAdminBootstrap } from './ensure-admin.bootstrap';

describe('EnsureAdminBootstrap', () => {
  let warnings: string[];
  let logs: string[];

  beforeEach(() => {
    warnings = [];
    logs = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    jest.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => void logs.push(String(message)));
  });

  afterEach(() => jest.restoreAllMocks());

  function bootstrap(env: Record<string, string>, outcome: EnsureAdminOutcome = 'created') {
    const commands: EnsureAdminCommand[] = [];
    const handler = { execute: async (command: EnsureAdminCommand) => (commands.push(command), outcome) } as unknown as EnsureAdminHandler;
    return { commands, run: () => new EnsureAdminBootstrap(new ConfigService(env), handler).onApplicationBootstrap() };
  }

  it('ensures the configured admin', async () => {
    const { commands, run } = bootstrap({ ADMIN_EMAIL: 'root@shop.example', ADMIN_PASSWORD: 's3cret-enough' });
    await run();
    expect(commands).toEqual([expect.objectContaining({ email: 'root@shop.example', password: 's3cret-enough' })]);
    expect(warnings).toEqual([]);
    expect(logs).toEqual(['Created the admin account root@shop.example']);
  });

  it('uses the development defaults outside production, with a warning for each', async () => {
    const { commands, run } = bootstrap({});
    await run();
    expect(commands).toEqual([expect.objectContaining({ email: 'admin@shop.local', password: 'admin-password' })]);
    expect(warnings).toEqual([expect.stringMatching(/^ADMIN_EMAIL is not set/), expect.stringMatching(/^ADMIN_PASSWORD is not set/)]);
  });

  it('stops the start in production when the email is unset or the password unset or the default', async () => {
    const production = { NODE_ENV: 'production' };
    await expect(bootstrap({ ...production, ADMIN_PASSWORD: 's3cret-enough' }).run()).rejects.toThrow(/ADMIN_EMAIL must be set/);
    await expect(bootstrap({ ...production, ADMIN_EMAIL: 'root@shop.example' }).run()).rejects.toThrow(/ADMIN_PASSWORD must be set/);
    await expect(bootstrap({ ...production, ADMIN_EMAIL: 'root@shop.example', ADMIN_PASSWORD: 'admin-password' }).run()).rejects.toThrow(
      /ADMIN_PASSWORD must be set to a non-default value in production/,
    );
  });

  it('warns, without the password, when the email belongs to an account that is not an active admin', async () => {
    await bootstrap({ ADMIN_EMAIL: 'boss@example.com', ADMIN_PASSWORD: 's3cret-enough' }, 'not-an-active-admin').run();
    expect(warnings).toEqual([expect.stringContaining('boss@example.com')]);
    expect([...warnings, ...logs].join('\n')).not.toContain('s3cret-enough');
  });
});
