import { Gauge } from 'prom-client';

// Prometheus's own names for its configuration (prometheus_config_last_reload_successful and _success_timestamp_seconds),
// so that the alert an operator already has for Prometheus reads the same here. A refusal is logged as an error, but
// LOG_LEVEL=silent, or a log nobody reads, hides it: these are what an alert can watch.

/** 1 when the settings in force are CONFIG_FILE's as it reads now (or there is none), 0 while its last change is refused. */
export const configLastReloadSuccessful = new Gauge({
  name: 'config_last_reload_successful',
  help: 'Whether the last read of CONFIG_FILE was applied (1), or refused with the settings kept as they were (0); 1 without a CONFIG_FILE',
});

/** When the settings in force were last read and applied, the start's included. */
export const configLastReloadSuccessTimestamp = new Gauge({
  name: 'config_last_reload_success_timestamp_seconds',
  help: 'When the settings in force were read and applied, at the start or from a change of CONFIG_FILE, in seconds since the Unix epoch',
});
