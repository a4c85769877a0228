import { RuntimeSettings } from '@tessera/platform';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrderingSettings } from './ordering.settings';
import { fakeConfig } from './testing/ordering-test-kit';

describe('OrderingSettings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-ordering-settings-'));
  const file = join(dir, 'settings.yaml');

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the payment and request timeouts of the moment, once CONFIG_FILE changes them', () => {
    writeFileSync(file, 'ORDER_PAYMENT_TIMEOUT_SECONDS: 600\n');
    const runtime = RuntimeSettings.fromEnvironment({ CONFIG_FILE: file });
    const settings = new OrderingSettings(fakeConfig({ ORDER_PAYMENT_TIMEOUT_SECONDS: 600 }), runtime);
    expect(settings).toMatchObject({ paymentTimeoutSeconds: 600, reservationHoldSeconds: 1200, placementRecoveryAfterMs: 15_000 });

    writeFileSync(file, 'ORDER_PAYMENT_TIMEOUT_SECONDS: 30\nREQUEST_TIMEOUT_MS: 1000\n');
    runtime.reload();
    expect(settings).toMatchObject({ paymentTimeoutSeconds: 30, reservationHoldSeconds: 90, placementRecoveryAfterMs: 3000 });
  });

  it('keeps the values it started with when the process has no runtime settings', () => {
    expect(new OrderingSettings(fakeConfig({ ORDER_PAYMENT_TIMEOUT_SECONDS: 120 }))).toMatchObject({ paymentTimeoutSeconds: 120, reservationHoldSeconds: 240 });
  });
});
