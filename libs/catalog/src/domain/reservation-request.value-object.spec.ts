import { ValidationError } from '@tessera/shared-kernel';
import { ProductNotFoundError } from './product.errors';
import { RESERVATION_LIMITS, ReservationRequest } from './reservation-request.value-object';

const reservationId = '5e0c1c9a-2f4b-4d6e-9a8b-0c1d2e3f4a5b';
const mug = 'a1000000-0000-4000-8000-000000000001';
const pen = 'b2000000-0000-4000-8000-000000000002';
const lamp = 'c3000000-0000-4000-8000-000000000003';

function fieldsRefused(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map((problem) => problem.field);
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('ReservationRequest', () => {
  it('sorts the lines by product id, the order every reservation takes stock in', () => {
    const request = ReservationRequest.of(reservationId, [
      { productId: lamp, quantity: 1 },
      { productId: mug, quantity: 2 },
      { productId: pen, quantity: 3 },
    ]);

    expect(request.lines).toEqual([
      { productId: mug, quantity: 2 },
      { productId: pen, quantity: 3 },
      { productId: lamp, quantity: 1 },
    ]);
  });

  it('adds up the lines of one product, whatever the case of its id', () => {
    const request = ReservationRequest.of(reservationId.toUpperCase(), [
      { productId: pen, quantity: 3 },
      { productId: mug, quantity: 2 },
      { productId: pen.toUpperCase(), quantity: 4 },
    ]);

    expect(request.reservationId).toBe(reservationId);
    expect(request.lines).toEqual([
      { productId: mug, quantity: 2 },
      { productId: pen, quantity: 7 },
    ]);
  });

  it(`takes up to ${RESERVATION_LIMITS.maxLines} lines and ${RESERVATION_LIMITS.maxQuantity} units of a product`, () => {
    const lines = Array.from({ length: 50 }, (_, index) => ({ productId: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`, quantity: 1000 }));

    expect(ReservationRequest.of(reservationId, lines).lines).toHaveLength(50);
  });

  it.each([[[]], [Array.from({ length: 51 }, () => ({ productId: mug, quantity: 1 }))], [undefined], ['lines'], [{ productId: mug, quantity: 1 }]])(
    'refuses %p as lines',
    (lines) => {
      expect(fieldsRefused(() => ReservationRequest.of(reservationId, lines))).toEqual(['lines']);
    },
  );

  it.each([0, -1, 1001, 2.5, Number.NaN, '3', null])('refuses the quantity %p', (quantity) => {
    expect(
      fieldsRefused(() =>
        ReservationRequest.of(reservationId, [
          { productId: mug, quantity: 1 },
          { productId: pen, quantity },
        ]),
      ),
    ).toEqual(['lines.1.quantity']);
  });

  it('refuses more than 1000 units of one product in all, over several lines', () => {
    expect(() =>
      ReservationRequest.of(reservationId, [
        { productId: mug, quantity: 600 },
        { productId: mug, quantity: 401 },
      ]),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', message: expect.stringContaining(mug) }));
  });

  it('names every refused field at once', () => {
    expect(fieldsRefused(() => ReservationRequest.of('order-1', [{ productId: 7, quantity: 0 }, null], 0))).toEqual([
      'reservationId',
      'lines.0.productId',
      'lines.0.quantity',
      'lines.1',
      'holdSeconds',
    ]);
  });

  it(`holds the units ${RESERVATION_LIMITS.defaultHoldSeconds} seconds unless asked for 1 to ${RESERVATION_LIMITS.maxHoldSeconds}`, () => {
    const lines = [{ productId: mug, quantity: 1 }];

    expect(ReservationRequest.of(reservationId, lines).holdSeconds).toBe(1800);
    expect(ReservationRequest.of(reservationId, lines, 1).holdSeconds).toBe(1);
    expect(ReservationRequest.of(reservationId, lines, 604_800).holdSeconds).toBe(604_800);
  });

  it.each([0, -1, 604_801, 2.5, Number.NaN, Number.POSITIVE_INFINITY, '60', null, {}])('refuses %p as holdSeconds', (holdSeconds) => {
    expect(fieldsRefused(() => ReservationRequest.of(reservationId, [{ productId: mug, quantity: 1 }], holdSeconds))).toEqual(['holdSeconds']);
  });

  it('answers PRODUCT_NOT_FOUND naming a product id that is not a UUID, once the request is otherwise valid', () => {
    let refusal: unknown;
    try {
      ReservationRequest.of(reservationId, [
        { productId: mug, quantity: 1 },
        { productId: "x' OR 1=1 --", quantity: 1 },
      ]);
    } catch (error) {
      refusal = error;
    }

    expect(refusal).toBeInstanceOf(ProductNotFoundError);
    expect(refusal).toMatchObject({ code: 'PRODUCT_NOT_FOUND', details: { productId: "x' OR 1=1 --" } });
    expect(fieldsRefused(() => ReservationRequest.of(reservationId, [{ productId: 'nope', quantity: 0 }]))).toEqual(['lines.0.quantity']);
  });
});
