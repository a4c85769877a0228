/** The name the catalog's event handlers record what they processed under, in catalog.inbox. */
export const CATALOG_INBOX_CONSUMER = 'catalog';
