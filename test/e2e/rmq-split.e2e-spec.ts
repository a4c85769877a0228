import { describeWith, startSplit } from '../harness/topologies';
import { describeApi } from './api.suite';

describeWith(['postgres', 'rmq'])('the gateway and the four contexts as five processes over RabbitMQ on Postgres', () => {
  describeApi(() => startSplit('postgres', 'rmq'));
});
