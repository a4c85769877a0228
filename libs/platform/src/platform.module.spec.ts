import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { REQUEST_TIMEOUT_MS } from '@tessera/messaging';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeSettings } from './config/runtime-settings';
import { PlatformModule } from './platform.module';

describe('PlatformModule', () => {
  // A default written into process.env would tell whoever reads it later (a test runner choosing its services, a child
  // process) that the variable was set.
  it('serves the validated configuration, defaults included, without writing them into process.env', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [PlatformModule] }).compile();

    expect(moduleRef.get(ConfigService).get('MESSAGING_RETENTION_HOURS')).toBe(168);
    expect(process.env.MESSAGING_RETENTION_HOURS).toBeUndefined();
    await moduleRef.close();
  });

  it("puts CONFIG_FILE's settings over the environment's, in the ConfigService and in the runtime settings the clients ask", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-platform-'));
    const file = join(dir, 'settings.yaml');
    writeFileSync(file, 'REQUEST_TIMEOUT_MS: 1500\n');
    process.env.CONFIG_FILE = file;
    try {
      const moduleRef = await Test.createTestingModule({ imports: [PlatformModule] }).compile();
      expect(moduleRef.get(ConfigService).get('REQUEST_TIMEOUT_MS')).toBe(1500);
      expect(moduleRef.get(RuntimeSettings).get('REQUEST_TIMEOUT_MS')).toBe(1500);
      expect(moduleRef.get<() => number>(REQUEST_TIMEOUT_MS)()).toBe(1500);
      await moduleRef.close();
    } finally {
      delete process.env.CONFIG_FILE;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
