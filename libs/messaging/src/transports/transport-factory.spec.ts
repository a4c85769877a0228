import { CONTEXT_NAMES } from '@tessera/contracts';
import { createInbox } from 'nats';
import { topologyFromEnv } from '../topology/topology';
import { natsInboxPrefixOf } from './transport-factory';

describe('natsInboxPrefixOf', () => {
  const env = { TRANSPORT: 'nats', MESSAGING_NAMESPACE: 'shop' };

  it("puts the replies of the split deployment's processes under the names of their NATS users", () => {
    expect(natsInboxPrefixOf(topologyFromEnv(env, { kind: 'gateway' }, CONTEXT_NAMES))).toBe('_INBOX.shop-gateway');
    expect(natsInboxPrefixOf(topologyFromEnv(env, { kind: 'context', context: 'ordering' }, CONTEXT_NAMES))).toBe('_INBOX.shop-ordering');
  });

  it('gives a process that hosts several contexts over NATS a prefix naming all it serves, which nats.js takes', () => {
    const prefix = natsInboxPrefixOf(topologyFromEnv({ ...env, CONTEXTS: 'users,catalog,payments' }, { kind: 'monolith' }, CONTEXT_NAMES));

    expect(prefix).toBe('_INBOX.shop-gateway+users+catalog+payments');
    expect(createInbox(prefix)).toMatch(/^_INBOX\.shop-gateway\+users\+catalog\+payments\.\w+$/);
  });
});
