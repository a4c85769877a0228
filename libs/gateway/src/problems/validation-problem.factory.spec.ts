import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { LoginDto } from '../auth/login.dto';
import { RegisterDto } from '../auth/register.dto';
import { MAX_ORDER_LINES, PlaceOrderDto } from '../orders/place-order.dto';
import { CreateProductDto } from '../products/create-product.dto';
import { StockAdjustmentDto } from '../products/stock-adjustment.dto';
import { MAX_LISTED_FIELD_PROBLEMS, validationProblem } from './validation-problem.factory';

/** class-validator's error for an unknown member, as the ValidationPipe reports it with forbidNonWhitelisted. */
function unknownMember(property: string): ValidationError {
  return Object.assign(new ValidationError(), {
    property,
    value: 1,
    constraints: { whitelistValidation: `property ${property} should not exist` },
    children: [],
  });
}

function answerTo(errors: ValidationError[]): { detail: string; errors: unknown[] | undefined } {
  const problem = validationProblem(errors);
  return { detail: problem.message, errors: problem.errors };
}

/** The answer to `body` as a route taking `dto` gives it: validated as the global ValidationPipe validates. */
function answerToBody(dto: new () => object, body: object): { detail: string; errors: unknown[] | undefined } {
  return answerTo(validateSync(plainToInstance(dto, body), { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: true } }));
}

const A_PRODUCT = { sku: 'TEE-1', name: 'Tee', price: { amount: 1999, currency: 'USD' }, stock: 3 };

describe('validationProblem', () => {
  it('lists every problem of a body with a few', () => {
    const answer = answerTo([unknownMember('role'), unknownMember('stock')]);
    expect(answer.errors).toEqual([
      { field: 'role', message: 'role is not an accepted field' },
      { field: 'stock', message: 'stock is not an accepted field' },
    ]);
    expect(answer.detail).toBe('role is not an accepted field; stock is not an accepted field');
  });

  it(`lists the first ${MAX_LISTED_FIELD_PROBLEMS} problems of a body with many, and says how many it left out`, () => {
    const answer = answerTo(Array.from({ length: 900 }, (_, index) => unknownMember(`k${index}`)));
    expect(answer.errors).toHaveLength(MAX_LISTED_FIELD_PROBLEMS);
    expect(answer.errors?.[0]).toEqual({ field: 'k0', message: 'k0 is not an accepted field' });
    expect(answer.detail).toMatch(/^k0 is not an accepted field; .*; and 880 more problems not listed$/);
    expect(answer.detail).not.toMatch(/k20 /);
  });

  it('names a nested field by its path in its message, as at the top', () => {
    const answer = answerToBody(PlaceOrderDto, { items: [{ productId: '7b7c39c1-5d5a-4a53-9f5f-3f6c2f7a1a10', quantity: 0 }] });
    expect(answer.errors).toEqual([{ field: 'items.0.quantity', message: 'items.0.quantity must not be less than 1' }]);
    expect(answer.detail).toBe('items.0.quantity must not be less than 1');
  });

  it('tells a value of the wrong type the type it must be, not the rules for values of that type', () => {
    expect(answerToBody(CreateProductDto, { ...A_PRODUCT, price: { amount: '10.00', currency: 'USD' } }).errors).toEqual([
      { field: 'price.amount', message: 'price.amount must be an integer number' },
    ]);
    expect(answerToBody(CreateProductDto, { ...A_PRODUCT, price: 1999 }).errors).toEqual([{ field: 'price', message: 'price must be an object' }]);
    expect(answerToBody(CreateProductDto, { ...A_PRODUCT, name: 5 }).errors).toEqual([{ field: 'name', message: 'name must be a string' }]);
    expect(answerToBody(PlaceOrderDto, { items: 'two tees' }).errors).toEqual([{ field: 'items', message: 'items must be an array' }]);
  });

  it('lists every rule a value of the right type fails, in the order the DTO declares them', () => {
    expect(answerToBody(CreateProductDto, { ...A_PRODUCT, sku: '', stock: -1 }).errors).toEqual([
      { field: 'sku', message: 'sku must not be empty' },
      { field: 'sku', message: 'sku may contain only letters, digits, ".", "_" and "-"' },
      { field: 'stock', message: 'stock must not be less than 0' },
    ]);
    expect(answerToBody(PlaceOrderDto, { items: [] }).errors).toEqual([{ field: 'items', message: 'items must contain at least 1 item' }]);
  });

  it('words every rule as the others are: what the value must be, counted in what a person counts', () => {
    const ORDER_LINE = { productId: '7b7c39c1-5d5a-4a53-9f5f-3f6c2f7a1a10', quantity: 1 };
    expect(answerToBody(LoginDto, { email: '', password: '' }).errors).toEqual([
      { field: 'email', message: 'email must not be empty' },
      { field: 'password', message: 'password must not be empty' },
    ]);
    expect(answerToBody(RegisterDto, { email: 'ada@example.com', password: 'short', name: 'n'.repeat(101) }).errors).toEqual([
      { field: 'password', message: 'password must be at least 8 characters' },
      { field: 'name', message: 'name must be at most 100 characters' },
    ]);
    expect(answerToBody(StockAdjustmentDto, { delta: 0 }).errors).toEqual([{ field: 'delta', message: 'delta must not be 0' }]);
    expect(answerToBody(PlaceOrderDto, { items: Array.from({ length: MAX_ORDER_LINES + 1 }, () => ORDER_LINE) }).errors).toEqual([
      { field: 'items', message: `items must contain no more than ${MAX_ORDER_LINES} items` },
    ]);
  });

  it('says one more problem in the singular', () => {
    const answer = answerTo(Array.from({ length: MAX_LISTED_FIELD_PROBLEMS + 1 }, (_, index) => unknownMember(`k${index}`)));
    expect(answer.detail).toMatch(/; and 1 more problem not listed$/);
  });
});
