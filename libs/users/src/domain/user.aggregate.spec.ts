import { Email } from './email.value-object';
import { User, UserSnapshot } from './user.aggregate';
import { isUserId } from './user-id';
import { UserName } from './user-name.value-object';

const registeredAt = new Date('2026-01-02T03:04:05.000Z');
const later = new Date('2026-02-03T04:05:06.000Z');

function registerAda(): User {
  return User.register({
    email: Email.of('ada@example.com'),
    name: UserName.of('Ada'),
    passwordHash: 'hash',
    role: 'customer',
    now: registeredAt,
  });
}

function storedAda(overrides: Partial<UserSnapshot> = {}): UserSnapshot {
  return { ...registerAda().toSnapshot(), ...overrides };
}

describe('User', () => {
  describe('register', () => {
    it('creates an active account with a fresh id, at version 1', () => {
      const user = registerAda();
      expect(isUserId(user.id)).toBe(true);
      expect(user.id).not.toBe(registerAda().id);
      expect(user).toMatchObject({ role: 'customer', status: 'active', isActive: true, version: 1, createdAt: registeredAt, updatedAt: registeredAt });
    });

    it('records that the user registered, once', () => {
      const user = registerAda();
      expect(user.pullEvents()).toEqual([
        expect.objectContaining({ type: 'UserRegistered', aggregateId: user.id, email: 'ada@example.com', occurredAt: registeredAt }),
      ]);
      expect(user.pullEvents()).toEqual([]);
    });

    it('refuses a role it does not know and a missing hash', () => {
      const props = { email: Email.of('a@example.com'), name: UserName.of('A'), passwordHash: 'hash' };
      expect(() => User.register({ ...props, role: 'root' as never })).toThrow('Unknown user role');
      expect(() => User.register({ ...props, passwordHash: '', role: 'admin' })).toThrow('password hash');
    });
  });

  describe('changeName', () => {
    it('renames and records it', () => {
      const user = registerAda();
      user.pullEvents();
      user.changeName(UserName.of('Ada King'), later);
      expect(user.name.value).toBe('Ada King');
      expect(user.updatedAt).toBe(later);
      expect(user.pullEvents()).toEqual([expect.objectContaining({ type: 'UserRenamed', name: 'Ada King' })]);
    });

    it('changes nothing for the same name', () => {
      const user = registerAda();
      user.pullEvents();
      user.changeName(UserName.of('  Ada '), later);
      expect(user.updatedAt).toBe(registeredAt);
      expect(user.pullEvents()).toEqual([]);
    });
  });

  describe('changeEmail', () => {
    it('changes the email and records the new and previous one', () => {
      const user = registerAda();
      user.pullEvents();
      user.changeEmail(Email.of('ada.king@example.com'), later);
      expect(user.email.value).toBe('ada.king@example.com');
      expect(user.pullEvents()).toEqual([
        expect.objectContaining({ type: 'UserEmailChanged', email: 'ada.king@example.com', previousEmail: 'ada@example.com', occurredAt: later }),
      ]);
    });

    it('changes nothing for the same address in other letters', () => {
      const user = registerAda();
      user.pullEvents();
      user.changeEmail(Email.of('ADA@example.com'));
      expect(user.pullEvents()).toEqual([]);
    });
  });

  describe('deactivate', () => {
    it('makes the user inactive and records it', () => {
      const user = registerAda();
      user.pullEvents();
      user.deactivate(later);
      expect(user.status).toBe('inactive');
      expect(user.isActive).toBe(false);
      expect(user.pullEvents()).toEqual([expect.objectContaining({ type: 'UserDeactivated', aggregateId: user.id, occurredAt: later })]);
    });

    it('is idempotent: a second call changes and records nothing', () => {
      const user = registerAda();
      user.deactivate(registeredAt);
      user.pullEvents();
      user.deactivate(later);
      expect(user.updatedAt).toBe(registeredAt);
      expect(user.pullEvents()).toEqual([]);
    });
  });

  describe('reconstitute', () => {
    it('rebuilds the stored user without recording anything', () => {
      const snapshot = storedAda({ status: 'inactive', version: 7 });
      const user = User.reconstitute(snapshot);
      expect(user.toSnapshot()).toEqual(snapshot);
      expect(user.pullEvents()).toEqual([]);
    });

    it('refuses stored values outside the rules', () => {
      expect(() => User.reconstitute(storedAda({ role: 'owner' as never }))).toThrow('Unknown user role');
      expect(() => User.reconstitute(storedAda({ status: 'banned' as never }))).toThrow('Unknown user status');
      expect(() => User.reconstitute(storedAda({ email: 'not-an-email' }))).toThrow('valid email');
    });
  });
});
