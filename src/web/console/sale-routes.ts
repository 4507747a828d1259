import type { Request, Response, Router } from 'express';
import type { ApiDeps } from '../../api/deps';
import { putChannelBody, putDegradeBody, skuParam } from '../../api/validation';
import { issueLines } from '../../api/http-errors';
import { admissionStatus } from '../../admission/admission';
import { channelReport, setChannelOverride } from '../../channels/channel-admin';
import { degradeStatus } from '../../degrade/degrade-switch';
import { prewarmSale } from '../../orders/prewarm-sale';
import { formText } from '../forms';
import type { ConsoleContext } from './console-page';
import { renderSaleControls, type SaleOutcome } from './sale-page';

/** The form's "takes orders" choice as the override it sets: empty leaves it to the configuration. */
const ENABLED_CHOICES: Record<string, boolean | null> = { '': null, on: true, off: false };

/**
 * The console's sale controls at /admin/sale: what PUT /api/admin/degrade, PUT
 * /api/admin/channels/:name and POST /api/admin/skus/:sku/prewarm do, through the same functions
 * (which audit the two changes), for staff who run a sale from the browser.
 */
export function saleConsoleRoutes(router: Router, deps: ApiDeps, context: (req: Request, res: Response) => ConsoleContext): void {
  const { db } = deps;
  const staff = (res: Response): string => res.locals.session.staff;

  async function page(req: Request, res: Response, status: number, outcome?: SaleOutcome) {
    const now = deps.clock();
    const [degrade, admission, channels, overrides, skus] = await Promise.all([
      degradeStatus(db, deps.config.degrade),
      admissionStatus(db, deps.config.admission, now),
      channelReport(db, deps.router, now),
      db.channelOverride.findMany(),
      db.sku.findMany({ where: { active: true }, orderBy: [{ sortOrder: 'asc' }, { sku: 'asc' }], select: { sku: true } }),
    ]);
    const controls = { degrade, admission, channels, overrides: new Map(overrides.map((o) => [o.name, o])), skus: skus.map((s) => s.sku) };
    res
      .status(status)
      .type('html')
      .send(renderSaleControls(context(req, res), controls, outcome));
  }

  router.get('/admin/sale', async (req, res) => {
    const done = formText(req.query.done);
    await page(req, res, 200, done ? { done } : undefined);
  });

  router.post('/admin/sale/degrade', async (req, res) => {
    const reason = formText(req.body?.reason)?.trim();
    const change = putDegradeBody.safeParse({ mode: formText(req.body?.mode), level: formText(req.body?.level), ...(reason ? { reason } : {}) });
    if (!change.success) return page(req, res, 400, { refused: issueLines(change.error) });
    await deps.degrade.set(change.data, staff(res));
    deps.logger.warn({ staff: staff(res), ...change.data }, 'degrade switch set');
    res.redirect(303, '/admin/sale?done=degrade');
  });

  router.post('/admin/sale/channels/:name', async (req, res) => {
    const name = req.params.name;
    if (!deps.channels.has(name)) return page(req, res, 404, { refused: [`no channel instance ${name}`] });
    const choice = formText(req.body?.enabled) ?? '';
    const enabled = Object.hasOwn(ENABLED_CHOICES, choice) ? ENABLED_CHOICES[choice] : undefined;
    const weightText = formText(req.body?.weight)?.trim() ?? '';
    const weight = weightText === '' ? null : /^\d{1,4}(\.\d{1,3})?$/.test(weightText) ? Number(weightText) : undefined;
    const change = putChannelBody.safeParse({ enabled, weight });
    if (enabled === undefined || weight === undefined || !change.success) {
      const refused = [
        ...(enabled === undefined ? ['enabled must be empty (as configured), on or off'] : []),
        ...(weight === undefined ? ['weight must be from 0 to 1000'] : []),
        ...(change.success ? [] : issueLines(change.error)),
      ];
      return page(req, res, 400, { refused: [...new Set(refused)] });
    }
    await setChannelOverride(db, name, change.data, staff(res));
    deps.logger.info({ channel: name, staff: staff(res), ...change.data }, 'channel override changed');
    res.redirect(303, '/admin/sale?done=channel');
  });

  router.post('/admin/sale/prewarm', async (req, res) => {
    const sku = skuParam.safeParse(formText(req.body?.sku));
    const known = sku.success && (await db.sku.findUnique({ where: { sku: sku.data }, select: { sku: true } }));
    if (!known) return page(req, res, 404, { refused: [`no SKU ${formText(req.body?.sku) ?? ''}`.trim()] });
    const report = await prewarmSale(deps, known.sku);
    deps.logger.info({ sku: known.sku, staff: staff(res), apiMs: report.api.ms, worker: report.worker }, 'sale prewarmed');
    await page(req, res, 200, { prewarmed: report });
  });
}
