import { RuntimeSettings } from '@tessera/platform';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrderingSettings } from './ordering.settings';
import { runtimeSettingsOf } from './testing/ordering-test-kit';

describe('OrderingSettings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-ordering-settings-'));
  const file = join(dir, 'settings.yaml');

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the payment and request timeouts of the moment, once CONFIG_FILE changes them', () => {
    writeFileSync(file, 'ORDER_PAYMENT_TIMEOUT_SECONDS: 600\n');
    const runtime = RuntimeSettings.fromEnvironment({ CONFIG_FILE: file });
    const settings = new OrderingSettings(runtime);
    expect(settings).toMatchObject({ paymentTimeoutSeconds: 600, placementRecoveryAfterMs: 15_000, placementRecoveryLeaseMs: 15_000 });

    writeFileSync(file, 'ORDER_PAYMENT_TIMEOUT_SECONDS: 30\nREQUEST_TIMEOUT_MS: 1000\n');
    runtime.reload();
    expect(settings).toMatchObject({ paymentTimeoutSeconds: 30, placementRecoveryAfterMs: 3000, placementRecoveryLeaseMs: 3000 });
  });

  it('gives the values of the environment when there is no CONFIG_FILE', () => {
    expect(new OrderingSettings(runtimeSettingsOf({ ORDER_PAYMENT_TIMEOUT_SECONDS: '120', REQUEST_TIMEOUT_MS: '2000' }))).toMatchObject({
      paymentTimeoutSeconds: 120,
      placementRecoveryAfterMs: 6000,
    });
  });

  it('asks the catalog to hold the stock of an order for its payment timeout and as long again, at least a minute more', () => {
    const settings = new OrderingSettings(runtimeSettingsOf({ ORDER_PAYMENT_TIMEOUT_SECONDS: 600 }));
    expect([600, 30].map((timeout) => settings.reservationHoldSecondsFor(timeout))).toEqual([1200, 90]);
  });
});
