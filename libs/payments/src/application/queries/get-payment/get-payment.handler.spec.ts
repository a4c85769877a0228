import { randomUUID } from 'node:crypto';
import { paymentsTestKit } from '../../../testing/payments-test-kit';
import { GetPaymentQuery } from './get-payment.query';

describe('GetPaymentHandler', () => {
  let kit: ReturnType<typeof paymentsTestKit>;
  const owner = randomUUID();
  const at = new Date('2030-03-04T05:06:07.089Z');

  beforeEach(() => {
    kit = paymentsTestKit();
  });

  const get = (paymentId: string, userId = owner, isAdmin = false) => kit.getPayment.execute(new GetPaymentQuery(paymentId, { userId, isAdmin }));

  it('shows the payer their payment as the API does, without the user id', async () => {
    const payment = await kit.givenPayment({ userId: owner, status: 'SUCCEEDED', amount: 1999, method: 'pm_card_mastercard', at });

    await expect(get(payment.id)).resolves.toEqual({
      id: payment.id,
      orderId: payment.orderId,
      amount: { amount: 1999, currency: 'USD' },
      status: 'SUCCEEDED',
      paymentMethod: 'pm_card_mastercard',
      createdAt: '2030-03-04T05:06:07.089Z',
    });
  });

  it('shows why a failed payment failed', async () => {
    const payment = await kit.givenPayment({ userId: owner, status: 'FAILED' });
    await expect(get(payment.id)).resolves.toMatchObject({ status: 'FAILED', failureReason: 'card_declined' });
  });

  it('shows a refunded payment as REFUNDED', async () => {
    const payment = await kit.givenPayment({ userId: owner, status: 'REFUNDED' });
    await expect(get(payment.id)).resolves.toMatchObject({ status: 'REFUNDED' });
  });

  it('shows any payment to an admin', async () => {
    const payment = await kit.givenPayment({ userId: owner });
    await expect(get(payment.id, randomUUID(), true)).resolves.toMatchObject({ id: payment.id });
  });

  it('finds an id written in capitals', async () => {
    const payment = await kit.givenPayment({ userId: owner });
    await expect(get(payment.id.toUpperCase())).resolves.toMatchObject({ id: payment.id });
  });

  it("answers PAYMENT_NOT_FOUND for another user's payment, as for one that does not exist", async () => {
    const payment = await kit.givenPayment({ userId: owner });

    await expect(get(payment.id, randomUUID())).rejects.toMatchObject({ code: 'PAYMENT_NOT_FOUND' });
    await expect(get(randomUUID())).rejects.toMatchObject({ code: 'PAYMENT_NOT_FOUND' });
  });

  it.each(['nope', '', "1' OR '1'='1"])('answers PAYMENT_NOT_FOUND for the malformed id %j', async (id) => {
    await expect(get(id)).rejects.toMatchObject({ code: 'PAYMENT_NOT_FOUND' });
  });

  it('answers a payment whose charge is still being settled as PENDING, to its owner and to an admin', async () => {
    const payment = await kit.givenPayment({ userId: owner, status: 'PENDING' });

    await expect(get(payment.id, owner)).resolves.toMatchObject({ id: payment.id, status: 'PENDING' });
    await expect(get(payment.id, randomUUID(), true)).resolves.toMatchObject({ id: payment.id, status: 'PENDING' });
    await expect(get(payment.id, randomUUID())).rejects.toMatchObject({ code: 'PAYMENT_NOT_FOUND' });
  });
});
