import { ConfigurationError } from '../startup/start-refusal';

/** JetStream's most replicas of a stream. */
export const MAX_STREAM_REPLICAS = 5;

// JetStream's error codes for a stream it cannot keep on as many servers as asked.
const REPLICAS_NOT_SUPPORTED = 10074; // replicas > 1 not supported in non-clustered mode
const INSUFFICIENT_RESOURCES = 10023; // insufficient resources: fewer servers (or less storage) than the replicas need

/**
 * The refusal of NATS_STREAM_REPLICAS in `error`, saying what to change; undefined when `error` is something else.
 * Without it the start would end on JetStream's own words, which name no setting of ours.
 */
export function streamReplicasRefusal(error: unknown, replicas: number): ConfigurationError | undefined {
  const code = (error as { api_error?: { err_code?: number } } | null)?.api_error?.err_code;
  if (code === REPLICAS_NOT_SUPPORTED) {
    return new ConfigurationError(
      `NATS_STREAM_REPLICAS=${replicas} asks JetStream to keep every event on ${replicas} servers, and the NATS server in NATS_URL is not part of a JetStream cluster: set NATS_STREAM_REPLICAS=1, or run a cluster (ADR 0026)`,
    );
  }
  if (code === INSUFFICIENT_RESOURCES) {
    return new ConfigurationError(
      `NATS_STREAM_REPLICAS=${replicas} asks JetStream to keep every event on ${replicas} servers, and its cluster cannot place that many replicas (insufficient resources: fewer servers up, or less storage, than that): set NATS_STREAM_REPLICAS to at most the servers the cluster has (ADR 0026)`,
    );
  }
  return undefined;
}
