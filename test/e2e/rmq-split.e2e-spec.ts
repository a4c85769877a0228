import { describeWith, startSplit } from '../harness/topologies';
import { describeApi } from './api.suite';

describeWith(['postgres', 'rmq'])('the gateway and the four contexts as five processes over RabbitMQ on Postgres', () => {
  // One process with a timeout of its own, as during a rollout of a new REQUEST_TIMEOUT_MS: every process declares
  // the request queues alike whatever its timeout, so none is refused by the broker.
  describeApi(() => startSplit('postgres', 'rmq', { processEnv: { users: { REQUEST_TIMEOUT_MS: '8000' } } }));
});

describeWith(['postgres', 'rmq'])('the same five processes keeping their events in quorum queues, as on a RabbitMQ cluster (ADR 0026)', () => {
  describeApi(() => startSplit('postgres', 'rmq', { env: { RABBITMQ_EVENT_QUEUE_TYPE: 'quorum' } }));
});
