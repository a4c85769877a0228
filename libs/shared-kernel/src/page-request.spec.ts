import { checkedPageRequest, PAGE_LIMITS } from './page-request';

describe('checkedPageRequest', () => {
  it('fills in the first page and the default size', () => {
    expect(checkedPageRequest({})).toEqual({ page: 1, limit: PAGE_LIMITS.defaultLimit });
    expect(checkedPageRequest({ page: 3, limit: 100 })).toEqual({ page: 3, limit: 100 });
  });

  it('refuses what is not an integer in range, naming every field, and a page past the last one a list may reach', () => {
    expect(() => checkedPageRequest({ page: 0, limit: 101 })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        problems: [expect.objectContaining({ field: 'page' }), expect.objectContaining({ field: 'limit' })],
      }),
    );
    for (const page of [1.5, '2', PAGE_LIMITS.maxPage + 1, Number.MAX_SAFE_INTEGER]) {
      expect(() => checkedPageRequest({ page })).toThrow(expect.objectContaining({ problems: [expect.objectContaining({ field: 'page' })] }));
    }
  });
});
