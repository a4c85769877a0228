import { Money } from '@tessera/shared-kernel';
import { Reservation, ReservationStatus } from './reservation.aggregate';

const id = '5e0c1c9a-2f4b-4d6e-9a8b-0c1d2e3f4a5b';
const madeAt = new Date('2025-01-02T03:04:05.000Z');
const later = new Date('2025-01-03T00:00:00.000Z');
const expiresAt = new Date('2025-01-02T03:34:05.000Z');
const lines = [
  { productId: '1a000000-0000-4000-8000-000000000001', sku: 'MUG-1', name: 'Mug', unitPrice: Money.of(1200, 'USD'), quantity: 2 },
  { productId: '2b000000-0000-4000-8000-000000000002', sku: 'PEN-1', name: 'Pen', unitPrice: Money.of(300, 'USD'), quantity: 5 },
];

const stored = (status: ReservationStatus) =>
  Reservation.reconstitute({ id, status, lines, createdAt: madeAt, updatedAt: madeAt, expiresAt, releasedByExpiry: false });

describe('Reservation', () => {
  describe('commit', () => {
    it('sells the units of a reserved reservation, giving nothing back to stock', () => {
      const reservation = stored('RESERVED');

      expect(reservation.commit(later)).toBe(true);

      expect(reservation).toMatchObject({ status: 'COMMITTED', storedStatus: 'RESERVED', updatedAt: later });
      expect(reservation.stockToReturn()).toEqual([]);
    });

    it('changes nothing on a committed reservation', () => {
      const reservation = stored('COMMITTED');

      expect(reservation.commit(later)).toBe(false);

      expect(reservation).toMatchObject({ status: 'COMMITTED', updatedAt: madeAt });
    });

    it('leaves a released reservation released: its units are back in stock', () => {
      const reservation = stored('RELEASED');

      expect(reservation.commit(later)).toBe(false);

      expect(reservation).toMatchObject({ status: 'RELEASED', updatedAt: madeAt });
      expect(reservation.stockToReturn()).toEqual([]);
    });
  });

  describe('release', () => {
    it.each<ReservationStatus>(['RESERVED', 'COMMITTED'])('gives every line of a %s reservation back to stock', (status) => {
      const reservation = stored(status);

      expect(reservation.release(later)).toBe(true);

      expect(reservation).toMatchObject({ status: 'RELEASED', storedStatus: status, updatedAt: later });
      expect(reservation.stockToReturn()).toEqual(lines);
    });

    it('gives nothing back a second time', () => {
      const reservation = stored('RESERVED');
      reservation.release(later);
      reservation.markStored();

      expect(reservation.release(later)).toBe(false);

      expect(reservation.stockToReturn()).toEqual([]);
      expect(stored('RELEASED').release(later)).toBe(false);
      expect(stored('RELEASED').stockToReturn()).toEqual([]);
    });

    it('gives back what was reserved after a commit in the same change, once', () => {
      const reservation = stored('RESERVED');
      reservation.commit(later);
      reservation.release(later);

      expect(reservation.stockToReturn()).toEqual(lines);
    });
  });

  describe('expire', () => {
    it('gives every line of a reserved reservation back to stock once its hold has run out', () => {
      const reservation = stored('RESERVED');

      expect(reservation.expire(later)).toBe(true);

      expect(reservation).toMatchObject({ status: 'RELEASED', storedStatus: 'RESERVED', updatedAt: later, releasedByExpiry: true });
      expect(reservation.stockToReturn()).toEqual(lines);
    });

    it('expires at the very moment its hold runs out, and not a millisecond before', () => {
      const early = stored('RESERVED');

      expect(early.expire(new Date(expiresAt.getTime() - 1))).toBe(false);
      expect(early).toMatchObject({ status: 'RESERVED', updatedAt: madeAt, releasedByExpiry: false });
      expect(early.stockToReturn()).toEqual([]);
      expect(stored('RESERVED').expire(expiresAt)).toBe(true);
    });

    it.each<ReservationStatus>(['COMMITTED', 'RELEASED'])('leaves a %s reservation as it is, however late', (status) => {
      const reservation = stored(status);

      expect(reservation.expire(later)).toBe(false);

      expect(reservation).toMatchObject({ status, updatedAt: madeAt, releasedByExpiry: false });
      expect(reservation.stockToReturn()).toEqual([]);
    });

    it('expires once: a second expiry, or a commit after it, changes nothing', () => {
      const reservation = stored('RESERVED');
      reservation.expire(later);
      reservation.markStored();

      expect(reservation.expire(later)).toBe(false);
      expect(reservation.commit(later)).toBe(false);
      expect(reservation.release(later)).toBe(false);

      expect(reservation).toMatchObject({ status: 'RELEASED', releasedByExpiry: true });
      expect(reservation.stockToReturn()).toEqual([]);
    });

    it('tells a release it was asked for from one by expiry', () => {
      const released = stored('RESERVED');
      released.release(later);

      expect(released.releasedByExpiry).toBe(false);
    });
  });

  it('counts the units its lines hold together', () => {
    expect(stored('RESERVED').units).toBe(7);
  });

  it('spends the id of a release that came before its reservation, holding nothing', () => {
    const reservation = Reservation.releasedBeforeReserved(id, madeAt);

    expect(reservation.toSnapshot()).toEqual({
      id,
      status: 'RELEASED',
      lines: [],
      createdAt: madeAt,
      updatedAt: madeAt,
      expiresAt: madeAt,
      releasedByExpiry: false,
    });
    expect(reservation.release(later)).toBe(false);
    expect(reservation.commit(later)).toBe(false);
  });

  it('hands out copies, so that a caller cannot change it behind its back', () => {
    const reservation = stored('RESERVED');

    (reservation.lines[0] as { quantity: number }).quantity = 99;
    reservation.toSnapshot().lines[0].quantity = 99;

    expect(reservation.lines[0].quantity).toBe(2);
  });

  it.each([
    [id, true],
    [id.toUpperCase(), true],
    ['not-a-uuid', false],
    ["x' OR 1=1 --", false],
    [42, false],
    [undefined, false],
  ])('tells whether %p is a reservation id', (value, expected) => {
    expect(Reservation.isWellFormedId(value)).toBe(expected);
  });
});
