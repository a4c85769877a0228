/** Payments reports that `paymentId` charged the order successfully. */
export class ConfirmPaymentCommand {
  constructor(
    readonly orderId: string,
    readonly paymentId: string,
  ) {}
}
