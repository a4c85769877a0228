import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
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
});
