import { USERS_EVENTS } from '@tessera/contracts';
import { UserDeactivatedDomainEvent } from '../domain/user-deactivated.domain-event';
import { UserEmailChangedDomainEvent } from '../domain/user-email-changed.domain-event';
import { UserRegisteredDomainEvent } from '../domain/user-registered.domain-event';
import { UserRenamedDomainEvent } from '../domain/user-renamed.domain-event';
import { toIntegrationEvents } from './user-integration-events';

describe('toIntegrationEvents', () => {
  const id = '6f1c2b8e-3a4d-4e5f-8a9b-0c1d2e3f4a5b';
  const at = new Date('2026-05-06T07:08:09.010Z');

  it('makes the contract payloads, small and with ISO dates, in the order the events happened, of the events others use', () => {
    expect(
      toIntegrationEvents([
        new UserRegisteredDomainEvent(id, 'ada@example.com', at),
        new UserRenamedDomainEvent(id, 'Ada King', at),
        new UserEmailChangedDomainEvent(id, 'king@example.com', 'ada@example.com', at),
        new UserDeactivatedDomainEvent(id, at),
      ]),
    ).toEqual([
      { pattern: USERS_EVENTS.USER_REGISTERED, payload: { userId: id, email: 'ada@example.com', occurredAt: '2026-05-06T07:08:09.010Z' } },
      { pattern: USERS_EVENTS.USER_EMAIL_CHANGED, payload: { userId: id, email: 'king@example.com', occurredAt: '2026-05-06T07:08:09.010Z' } },
      { pattern: USERS_EVENTS.USER_DEACTIVATED, payload: { userId: id, occurredAt: '2026-05-06T07:08:09.010Z' } },
    ]);
  });
});
