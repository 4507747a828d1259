import type { Request, Response, Router } from 'express';
import type { ApiDeps } from '../../api/deps';
import { PRICE_CENTS, putSkuBody, skuParam } from '../../api/validation';
import { saveSku, SkuBoundsError } from '../../catalogue/skus';
import { exportUnsoldKeys, restock, voidUnsoldKeys } from '../../orders/restock';
import { previewImport, stockBySku } from '../../stock/import-keys';
import { centsToDecimal, decimalToCents } from '../../payments/money';
import { escapeHtml } from '../../html';
import { formText } from '../forms';
import type { ConsoleContext } from './console-page';
import { renderConsolePage } from './console-page';
import { renderImportPreview, renderSkuList, renderSkuPage, skuFormFrom, type SkuForm, type StockCounts } from './catalogue-pages';

const text = (value: unknown) => formText(value) ?? '';
const FIELDS = [
  'sku',
  'name',
  'price',
  'currency',
  'description',
  'deliveryInstructions',
  'category',
  'minQuantity',
  'maxQuantity',
  'sortOrder',
  'active',
] as const;
const optionalInt = (value: string | undefined) => (value?.trim() ? Number(value) : undefined);

/** The form as the admin API's SKU body: the same rules, the same messages. */
function skuBody(form: SkuForm) {
  const cents = decimalToCents(form.price ?? '');
  return putSkuBody.safeParse({
    name: form.name ?? '',
    priceCents: cents ?? -1,
    currency: (form.currency ?? '').trim().toUpperCase(),
    active: form.active === 'on',
    description: form.description?.trim() || null,
    deliveryInstructions: form.deliveryInstructions?.trim() || null,
    category: form.category?.trim() || null,
    minQuantity: optionalInt(form.minQuantity) ?? 1,
    maxQuantity: optionalInt(form.maxQuantity) ?? null,
    sortOrder: optionalInt(form.sortOrder) ?? 0,
  });
}

/** The console's catalogue: SKUs with their stock, the SKU form, key import with a preview, and unsold keys voided or exported. */
export function catalogueConsoleRoutes(router: Router, deps: ApiDeps, context: (req: Request, res: Response) => ConsoleContext): void {
  const { db } = deps;
  const staff = (res: Response): string => res.locals.session.staff;

  async function stockOf(skus: string[]): Promise<Map<string, StockCounts>> {
    const groups = await db.cardKey.groupBy({ by: ['sku', 'status'], where: { sku: { in: skus } }, _count: { _all: true } });
    const counts = new Map(skus.map((s) => [s, { AVAILABLE: 0, RESERVED: 0, SOLD: 0, VOID: 0 }]));
    for (const g of groups) counts.get(g.sku)![g.status] = g._count._all;
    return counts;
  }
  const notFound = (ctx: ConsoleContext, res: Response) =>
    res
      .status(404)
      .type('html')
      .send(renderConsolePage(ctx, ctx.ct.catalogue.notFound, `<h1>${escapeHtml(ctx.ct.catalogue.notFound)}</h1>`));
  const findSku = async (value: unknown) => {
    const sku = skuParam.safeParse(value);
    return sku.success ? db.sku.findUnique({ where: { sku: sku.data } }) : null;
  };

  router.get('/admin/skus', async (req, res) => {
    const skus = await db.sku.findMany({ orderBy: [{ sortOrder: 'asc' }, { sku: 'asc' }] });
    const stock = await stockOf(skus.map((s) => s.sku));
    res.type('html').send(
      renderSkuList(
        context(req, res),
        skus.map((s) => ({ ...s, stock: stock.get(s.sku)! })),
      ),
    );
  });

  router.get('/admin/skus/new', (req, res) => {
    res.type('html').send(renderSkuPage(context(req, res), { form: { currency: 'CNY', minQuantity: '1', sortOrder: '0', active: 'on' } }));
  });

  router.get('/admin/skus/:sku', async (req, res) => {
    const ctx = context(req, res);
    const sku = await findSku(req.params.sku);
    if (!sku) return notFound(ctx, res);
    const notice = req.query.saved === '1' ? ctx.ct.catalogue.saved : undefined;
    res.type('html').send(renderSkuPage(ctx, { form: skuFormFrom(sku), stock: await stockBySku(db, sku.sku), notice }));
  });

  // Create (POST /admin/skus) and update (POST /admin/skus/:sku) through the same checks as the admin API.
  const save = async (req: Request, res: Response) => {
    const ctx = context(req, res);
    const form: SkuForm = Object.fromEntries(FIELDS.map((f) => [f, text(req.body?.[f])]));
    const creating = req.params.sku === undefined;
    const slug = skuParam.safeParse(creating ? form.sku?.trim() : req.params.sku);
    const existing = slug.success ? await db.sku.findUnique({ where: { sku: slug.data } }) : null;
    if (!creating && !existing) return notFound(ctx, res);
    const body = skuBody(form);
    const issues = body.success ? [] : body.error.issues;
    // The form takes a decimal price: a price the API would refuse is told as one, never in cents.
    const priceProblem =
      decimalToCents(form.price ?? '') === undefined
        ? `${ctx.ct.catalogue.price}: 12.50`
        : issues.some((i) => i.path[0] === 'priceCents')
          ? `${ctx.ct.catalogue.price}: ${centsToDecimal(PRICE_CENTS.min)} – ${centsToDecimal(PRICE_CENTS.max)}`
          : undefined;
    const problems = [
      ...(slug.success ? [] : [`sku: ${slug.error.issues[0].message}`]),
      ...(creating && existing ? [`sku: ${slug.data} already exists`] : []),
      ...(priceProblem ? [priceProblem] : []),
      ...issues.filter((i) => i.path[0] !== 'priceCents').map((i) => `${String(i.path[0] ?? '')}: ${i.message}`),
    ];
    const stock = existing ? await stockBySku(db, existing.sku) : undefined;
    if (problems.length || !body.success || !slug.success) {
      res.status(400).type('html').send(renderSkuPage(ctx, { form, stock, problems }));
      return;
    }
    try {
      await saveSku(db, slug.data, body.data);
    } catch (error) {
      if (!(error instanceof SkuBoundsError)) throw error;
      res
        .status(400)
        .type('html')
        .send(renderSkuPage(ctx, { form, stock, problems: [error.message] }));
      return;
    }
    await db.staffAudit.create({
      data: {
        staff: staff(res),
        action: creating ? 'sku.create' : 'sku.update',
        target: slug.data,
        detail: { name: body.data.name, priceCents: body.data.priceCents },
      },
    });
    res.redirect(303, `/admin/skus/${encodeURIComponent(slug.data)}?saved=1`);
  };
  router.post('/admin/skus', save);
  router.post('/admin/skus/:sku', save);

  router.post('/admin/skus/:sku/import/preview', async (req, res) => {
    const ctx = context(req, res);
    const sku = await findSku(req.params.sku);
    if (!sku) return notFound(ctx, res);
    const keys = text(req.body?.keys);
    res.type('html').send(renderImportPreview(ctx, sku.sku, keys, await previewImport(db, deps.cipher, sku.sku, keys)));
  });

  router.post('/admin/skus/:sku/import', async (req, res) => {
    const ctx = context(req, res);
    const sku = await findSku(req.params.sku);
    if (!sku) return notFound(ctx, res);
    const result = await restock(deps, sku.sku, text(req.body?.keys));
    await db.staffAudit.create({
      data: {
        staff: staff(res),
        action: 'keys.import',
        target: sku.sku,
        detail: { imported: result.imported, duplicate: result.duplicate, rejected: result.rejected },
      },
    });
    deps.logger.info({ sku: sku.sku, staff: staff(res), imported: result.imported, duplicate: result.duplicate, rejected: result.rejected }, 'keys imported');
    res
      .type('html')
      .send(renderSkuPage(ctx, { form: skuFormFrom(sku), stock: result.stock, notice: ctx.ct.catalogue.imported(result.imported, result.wokenOrders) }));
  });

  router.post('/admin/skus/:sku/void-unsold', async (req, res) => {
    const ctx = context(req, res);
    const sku = await findSku(req.params.sku);
    if (!sku) return notFound(ctx, res);
    if (text(req.body?.confirm).trim() !== sku.sku) {
      res
        .status(400)
        .type('html')
        .send(renderSkuPage(ctx, { form: skuFormFrom(sku), stock: await stockBySku(db, sku.sku), problems: [ctx.ct.catalogue.voidConfirm] }));
      return;
    }
    const voided = await voidUnsoldKeys(db, sku.sku, staff(res), deps.clock());
    deps.stockRefusals.forget(sku.sku);
    res.type('html').send(renderSkuPage(ctx, { form: skuFormFrom(sku), stock: await stockBySku(db, sku.sku), notice: ctx.ct.catalogue.voided(voided) }));
  });

  router.post('/admin/skus/:sku/export-unsold', async (req, res) => {
    const sku = await findSku(req.params.sku);
    if (!sku) return notFound(context(req, res), res);
    const keys = await exportUnsoldKeys(db, deps.cipher, sku.sku, staff(res), deps.clock());
    res
      .set('Cache-Control', 'no-store')
      .attachment(`${sku.sku}-unsold-${deps.clock().toISOString().slice(0, 10)}.txt`)
      .type('text/plain; charset=utf-8')
      .send(keys.length ? `${keys.join('\n')}\n` : '');
  });
}
