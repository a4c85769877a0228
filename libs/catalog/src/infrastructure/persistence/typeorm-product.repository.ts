import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Outbox, preparedQuery } from '@tessera/messaging';
import { isUniqueViolation } from '@tessera/platform';
import { EntityManager, Repository } from 'typeorm';
import { Product } from '../../domain/product.aggregate';
import { SkuTakenError } from '../../domain/product.errors';
import { ProductCriteria, ProductRepository, ProductVersionConflictError } from '../../domain/product.repository';
import { ProductMapper } from './product.mapper';
import { ProductOrmEntity } from './product.orm-entity';
import type { OutgoingIntegrationEvent } from '@tessera/shared-kernel';

const SKU_INDEX = 'products_sku_lower_key';

/** A product row's columns, named as ProductOrmEntity's properties, for the reads in plain SQL. */
const PRODUCT_COLUMNS = `id, sku, name, description, price_amount AS "priceAmount", price_currency AS "priceCurrency", stock,
                         created_at AS "createdAt", updated_at AS "updatedAt", version`;

/**
 * Up to how many matches a search's page is found by sorting them all, rather than as the planner likes: sorting
 * 10,000 takes Postgres about 20 ms, and the planner's other way can cost more than that for a handful (below).
 */
const SORTED_MATCHES_AT_MOST = 10_000;

/**
 * A name holding the search's `$1` (a LIKE pattern made by `literally`) anywhere, case-insensitively: the shape the
 * name's trigram index serves (its migration).
 */
const NAME_MATCHES = `lower(name) LIKE '%' || lower($1) || '%'`;

/** The page order, in code points, so that every database (the embedded one is "C", a server often en_US) pages alike. */
const NAME_ORDER = 'lower(name) COLLATE "C", id';

/**
 * Products in the catalog schema, through the catalog's own DataSource; a
 * change and its integration events commit together (catalog outbox), and
 * the events are published after.
 */
@Injectable()
export class TypeOrmProductRepository implements ProductRepository {
  constructor(
    @InjectRepository(ProductOrmEntity, 'catalog') private readonly rows: Repository<ProductOrmEntity>,
    private readonly outbox: Outbox,
  ) {}

  async findById(id: string): Promise<Product | null> {
    // Postgres answers a malformed uuid with an error, not with no row.
    if (!Product.isWellFormedId(id)) return null;
    // Plain SQL: TypeORM would build this SELECT anew on every call, a tenth of a product read's CPU, only to hydrate.
    // Prepared, as the hottest read of all: Postgres neither parses nor plans it again.
    const [row] = await preparedQuery<ProductOrmEntity>(this.rows.manager, `SELECT ${PRODUCT_COLUMNS} FROM catalog.products WHERE id = $1`, [id]);
    return row ? ProductMapper.toDomain(row) : null;
  }

  async add(product: Product, events: readonly OutgoingIntegrationEvent[] = []): Promise<void> {
    try {
      await this.withEvents(events, (manager) => manager.insert(ProductOrmEntity, ProductMapper.toRow(product)));
    } catch (error) {
      if (isUniqueViolation(error, SKU_INDEX)) throw new SkuTakenError(product.sku);
      throw error;
    }
  }

  async save(product: Product, events: readonly OutgoingIntegrationEvent[] = []): Promise<void> {
    const loadedVersion = product.version;
    await this.withEvents(events, async (manager) => {
      const [, affected] = (await manager.query(
        `UPDATE catalog.products
            SET name = $3, description = $4, price_amount = $5, price_currency = $6, stock = $7, updated_at = $8,
                version = version + 1
          WHERE id = $1 AND version = $2`,
        [product.id, loadedVersion, product.name, product.description, String(product.price.amount), product.price.currency, product.stock, product.updatedAt],
      )) as [unknown, number];
      if (affected !== 1) throw new ProductVersionConflictError(product.id, loadedVersion);
    });
    product.markStored(loadedVersion + 1);
  }

  /** Runs a write and adds its events to the outbox in one transaction, then has them published. */
  private async withEvents(events: readonly OutgoingIntegrationEvent[], write: (manager: EntityManager) => Promise<unknown>): Promise<void> {
    const committed = await this.rows.manager.transaction(async (manager) => {
      await write(manager);
      for (const event of events) await this.outbox.add(manager, event.pattern, event.payload);
      return manager;
    });
    this.outbox.flush(committed);
  }

  async list({ q, offset, limit }: ProductCriteria): Promise<{ items: Product[]; total: number }> {
    // Postgres text cannot hold NUL, so no name contains one; sending it would only fail.
    if (q?.includes('\u0000')) return { items: [], total: 0 };
    if (q) return this.search(literally(q), offset, limit);
    const total = await this.rows.count();
    if (total <= offset) return { items: [], total };
    const rows = await this.rows.manager.query(`SELECT ${PRODUCT_COLUMNS} FROM catalog.products ORDER BY ${NAME_ORDER} OFFSET $1 LIMIT $2`, [offset, limit]);
    return { items: (rows as ProductOrmEntity[]).map((row) => ProductMapper.toDomain(row)), total };
  }

  /**
   * The products whose name matches `pattern`: their count, then their page. A page of up to SORTED_MATCHES_AT_MOST is
   * found by taking every match and sorting them. Left to itself, the planner may walk the name index in order and
   * test each name until it has a page, expecting matches spread through the alphabet; the matches of a brand or a
   * first word are all in one place, late in it as often as not. Searching "vesper cashmere" over 50,000 products
   * walked 47,834 names (35-57 ms) where sorting its 167 matches took 3 ms. Materialized, so that the planner takes
   * the matches first. Beyond that many matches, the walk finds a page quickly.
   */
  private async search(pattern: string, offset: number, limit: number): Promise<{ items: Product[]; total: number }> {
    const [{ total }] = (await this.rows.manager.query(`SELECT count(*)::int AS total FROM catalog.products WHERE ${NAME_MATCHES}`, [pattern])) as {
      total: number;
    }[];
    if (total <= offset) return { items: [], total };
    const rows = (await this.rows.manager.query(
      total <= SORTED_MATCHES_AT_MOST
        ? `WITH matches AS MATERIALIZED (SELECT ${PRODUCT_COLUMNS} FROM catalog.products WHERE ${NAME_MATCHES})
           SELECT * FROM matches ORDER BY ${NAME_ORDER} OFFSET $2 LIMIT $3`
        : `SELECT ${PRODUCT_COLUMNS} FROM catalog.products WHERE ${NAME_MATCHES} ORDER BY ${NAME_ORDER} OFFSET $2 LIMIT $3`,
      [pattern, offset, limit],
    )) as ProductOrmEntity[];
    return { items: rows.map((row) => ProductMapper.toDomain(row)), total };
  }

  async addAllIfEmpty(products: readonly Product[]): Promise<number> {
    if (products.length === 0) return 0;
    return this.rows.manager.transaction(async (manager) => {
      if (await manager.exists(ProductOrmEntity)) return 0;
      // Two processes starting together may both find the catalog empty: the second one's rows collide with the
      // first one's on the SKU index and are skipped rather than failing its start.
      const result = await manager
        .createQueryBuilder()
        .insert()
        .into(ProductOrmEntity)
        .values(products.map((product) => ProductMapper.toRow(product)))
        .orIgnore()
        .returning('id')
        .execute();
      return (result.raw as unknown[]).length;
    });
  }
}

/** `text` as a LIKE pattern that matches it and nothing else: its wildcards and the escape character escaped. */
function literally(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}
