import { describeWith, startSplit } from '../harness/topologies';
import { describeApi } from './api.suite';

describeWith(['postgres', 'nats'])('the gateway and the four contexts as five processes over NATS on Postgres', () => {
  describeApi(() => startSplit('postgres', 'nats'));
});
