import { Body, Controller, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  AdjustStockRequest,
  CATALOG_PATTERNS,
  CreateProductRequest,
  ERROR_CODES,
  ListProductsRequest,
  Page,
  ProductView,
  UpdateProductRequest,
} from '@tessera/contracts';
import { ContextClient, InjectContextClient } from '@tessera/messaging';
import { Authenticated, Public, Roles } from '../auth/auth.decorators';
import { PriceDto } from '../common/money.dto';
import { mapPage } from '../common/page.mapper';
import { isUuid } from '../common/uuid';
import { ApiJsonBodyProblems, ApiProblems } from '../problems/api-problems.decorator';
import { ProblemException } from '../problems/problem.exception';
import { CreateProductDto } from './create-product.dto';
import { ProductCache } from './product.cache';
import { ListProductsQueryDto } from './list-products.dto';
import { ProductDto, ProductPageDto } from './product.dto';
import { StockAdjustmentDto } from './stock-adjustment.dto';
import { UpdateProductDto } from './update-product.dto';

const PRODUCT_NOT_FOUND = ['PRODUCT_NOT_FOUND'];

@ApiTags('products')
@ApiProblems({ 429: ['RATE_LIMITED'], 503: ['CONTEXT_UNAVAILABLE'] })
@Controller('products')
export class ProductsHttpController {
  constructor(
    @InjectContextClient('catalog') private readonly catalog: ContextClient,
    private readonly products: ProductCache,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Lists products, optionally those whose name contains `q`' })
  @ApiOkResponse({ type: ProductPageDto, description: 'A page of products' })
  @ApiProblems({ 400: ['VALIDATION_FAILED: page, limit or q out of range'] })
  async list(@Query() query: ListProductsQueryDto): Promise<ProductPageDto> {
    const request: ListProductsRequest = { page: query.page, limit: query.limit };
    if (query.q !== undefined && query.q !== '') request.q = query.q;
    return mapPage(await this.catalog.send<Page<ProductView>, ListProductsRequest>(CATALOG_PATTERNS.LIST_PRODUCTS, request), ProductDto.of);
  }

  @Get(':id')
  @Public()
  @ApiOperation({ summary: 'A product' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ProductDto, description: 'The product; stock is what can be bought now' })
  @ApiProblems({ 404: PRODUCT_NOT_FOUND })
  async get(@Param('id') id: string): Promise<ProductDto> {
    return ProductDto.of(await this.products.get(productIdOrNotFound(id)));
  }

  @Post()
  @Authenticated()
  @Roles('admin')
  @ApiOperation({ summary: 'Creates a product (admin)' })
  @ApiCreatedResponse({ type: ProductDto, description: 'The new product' })
  @ApiJsonBodyProblems()
  @ApiProblems({ 400: ['VALIDATION_FAILED'], 409: ['SKU_TAKEN'] })
  async create(@Body() body: CreateProductDto): Promise<ProductDto> {
    const request: CreateProductRequest = { sku: body.sku, name: body.name, price: money(body.price), stock: body.stock };
    if (body.description !== undefined) request.description = body.description;
    return ProductDto.of(await this.catalog.send<ProductView, CreateProductRequest>(CATALOG_PATTERNS.CREATE_PRODUCT, request));
  }

  @Patch(':id')
  @Authenticated()
  @Roles('admin')
  @ApiOperation({ summary: "Changes a product's name, description or price (admin); only the fields present change" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ProductDto, description: 'The product, as changed' })
  @ApiJsonBodyProblems()
  @ApiProblems({ 400: ['VALIDATION_FAILED'], 404: PRODUCT_NOT_FOUND })
  async update(@Param('id') id: string, @Body() body: UpdateProductDto): Promise<ProductDto> {
    const request: UpdateProductRequest = { productId: productIdOrNotFound(id) };
    if (body.name !== undefined) request.name = body.name;
    if (body.description !== undefined) request.description = body.description;
    if (body.price !== undefined) request.price = money(body.price);
    return ProductDto.of(
      await this.changing(request.productId, () => this.catalog.send<ProductView, UpdateProductRequest>(CATALOG_PATTERNS.UPDATE_PRODUCT, request)),
    );
  }

  @Post(':id/stock-adjustments')
  @HttpCode(HttpStatus.OK)
  @Authenticated()
  @Roles('admin')
  @ApiOperation({ summary: 'Receives (positive delta) or writes off (negative delta) stock (admin)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ProductDto, description: 'The product with its new stock' })
  @ApiJsonBodyProblems()
  @ApiProblems({ 400: ['VALIDATION_FAILED'], 404: PRODUCT_NOT_FOUND, 409: ['INSUFFICIENT_STOCK: the stock would go below zero'] })
  async adjustStock(@Param('id') id: string, @Body() body: StockAdjustmentDto): Promise<ProductDto> {
    const request: AdjustStockRequest = { productId: productIdOrNotFound(id), delta: body.delta };
    return ProductDto.of(
      await this.changing(request.productId, () => this.catalog.send<ProductView, AdjustStockRequest>(CATALOG_PATTERNS.ADJUST_STOCK, request)),
    );
  }

  /** Runs a change of the product, then forgets its cached copy before the change is answered, whatever the answer. */
  private async changing(productId: string, change: () => Promise<ProductView>): Promise<ProductView> {
    try {
      return await change();
    } finally {
      // Also when the answer is lost: the change may have happened, and a needless eviction costs one read.
      await this.products.invalidate([productId]);
    }
  }
}

function productIdOrNotFound(id: string): string {
  if (!isUuid(id)) throw new ProblemException(ERROR_CODES.PRODUCT_NOT_FOUND, 'Product not found');
  return id.toLowerCase();
}

/** A plain copy: the DTO instance must not travel as a class into a context's request. */
function money(price: PriceDto): { amount: number; currency: string } {
  return { amount: price.amount, currency: price.currency };
}
