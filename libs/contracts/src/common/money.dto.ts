/** Money on the wire: integer minor units and an ISO currency code. */
export interface MoneyDto {
  amount: number;
  currency: string;
}
