import { randomUUID } from 'node:crypto';
import type { Api } from '../harness/http';
import { TEST_ADMIN } from '../harness/topologies';

/** A product the admin puts on the shelf with `stock` units, and a new customer's token, each checked as created. */
export async function shelfAndBuyer(api: Api, tag: string, stock: number): Promise<{ productId: string; token: string }> {
  const adminToken = (await api.post('/auth/login', TEST_ADMIN)).body.accessToken;
  const product = await api.post(
    '/products',
    { sku: `${tag.toUpperCase()}-${randomUUID().slice(0, 8)}`, name: `${tag} item`, price: { amount: 1500, currency: 'USD' }, stock },
    { token: adminToken },
  );
  expect(product.status).toBe(201);
  const credentials = { email: `${tag.toLowerCase()}-${randomUUID().slice(0, 8)}@example.com`, password: 'correct horse battery' };
  expect((await api.post('/auth/register', { ...credentials, name: tag })).status).toBe(201);
  const token = (await api.post('/auth/login', credentials)).body.accessToken;
  return { productId: product.body.id, token };
}
