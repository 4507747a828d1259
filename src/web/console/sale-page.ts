import { escapeHtml } from '../../html';
import type { ChannelReport } from '../../channels/channel-admin';
import type { degradeStatus } from '../../degrade/degrade-switch';
import type { admissionStatus } from '../../admission/admission';
import type { PrewarmReport } from '../../orders/prewarm-sale';
import { DEGRADE_LEVELS } from '../../degrade/degrade-levels';
import { formatTime } from '../format';
import { csrfField, problemList, renderConsolePage, table, type ConsoleContext } from './console-page';

export interface SaleControls {
  degrade: Awaited<ReturnType<typeof degradeStatus>>;
  admission: Awaited<ReturnType<typeof admissionStatus>>;
  channels: ChannelReport[];
  /** Channel instances with a staff override, and what it sets. */
  overrides: Map<string, { enabled: boolean | null; weight: number | null }>;
  skus: string[];
}

/** What the page says after a form: a change made (`done`), one refused (with why), or a prewarm's report. */
export type SaleOutcome = { done: string } | { refused: string[] } | { prewarmed: PrewarmReport };

/** A configured duration as staff read it: `30 s`, `2 min`. */
const duration = (ms: number) => (ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 100) / 10} s`);

const select = (id: string, name: string, options: Record<string, string>, chosen: string) =>
  `<select id="${id}" name="${name}">${Object.entries(options)
    .map(([value, label]) => `<option value="${escapeHtml(value)}"${value === chosen ? ' selected' : ''}>${escapeHtml(label)}</option>`)
    .join('')}</select>`;

/** The console's sale controls: the degrade switch, admission as it stands, channel overrides, and prewarming a SKU. */
export function renderSaleControls(ctx: ConsoleContext, controls: SaleControls, outcome?: SaleOutcome): string {
  const c = ctx.ct.sale;
  const { degrade, admission } = controls;
  const notice = outcomeNotice(ctx, outcome);

  const leavesOut = degrade.leavesOut.length
    ? `<p>${escapeHtml(c.leavesOut)}</p><ul>${degrade.leavesOut.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>`
    : `<p>${escapeHtml(c.leavesOut)} ${escapeHtml(c.nothingLeftOut)}</p>`;
  const degradeForm = `<h2>${escapeHtml(c.degradeTitle)}</h2>
<p><strong>${escapeHtml(degrade.level)}</strong> · ${escapeHtml(c.modes[degrade.mode] ?? degrade.mode)}${
    degrade.changedBy ? ` · ${escapeHtml(c.setBy(degrade.changedBy, formatTime(degrade.changedAt.toISOString(), ctx.locale)))}` : ''
  }${degrade.reason ? ` · ${escapeHtml(degrade.reason)}` : ''}</p>
${leavesOut}
<p class="hint">${escapeHtml(c.autoRule(duration(degrade.auto.leanAtMs), duration(degrade.auto.essentialAtMs), duration(degrade.auto.calmMs)))}</p>
<form class="stack" method="post" action="/admin/sale/degrade">${csrfField(ctx)}
<div><label for="degrade-mode">${escapeHtml(c.mode)}</label>${select('degrade-mode', 'mode', c.modes, degrade.mode)}</div>
<div><label for="degrade-level">${escapeHtml(c.level)}</label>${select('degrade-level', 'level', Object.fromEntries(DEGRADE_LEVELS.map((l) => [l, l])), degrade.level)}</div>
<div><label for="degrade-reason">${escapeHtml(c.reason)}</label><input id="degrade-reason" name="reason" maxlength="500"></div>
<button type="submit">${escapeHtml(c.setDegrade)}</button></form>`;

  const rate = admission.ratePerSec === null ? '—' : `${admission.ratePerSec.toFixed(1)}/s`;
  const admissionPart = `<h2>${escapeHtml(c.admissionTitle)}</h2><p>${escapeHtml(c.admission(admission.mode, rate, `${admission.queueSeconds} s`))}</p>`;

  const channelRows = controls.channels.map((channel) => {
    const override = controls.overrides.get(channel.name);
    const id = `channel-${channel.name}`;
    const enabled = override?.enabled === true ? 'on' : override?.enabled === false ? 'off' : '';
    const form = `<form class="inline" method="post" action="/admin/sale/channels/${encodeURIComponent(channel.name)}">${csrfField(ctx)}
<label for="${id}-enabled">${escapeHtml(c.enabled)}</label>${select(`${id}-enabled`, 'enabled', c.enabledChoices, enabled)}
<label for="${id}-weight">${escapeHtml(c.weight)}</label><input id="${id}-weight" name="weight" inputmode="decimal" size="5" placeholder="${escapeHtml(c.weightHint)}" value="${override?.weight ?? ''}">
<button type="submit" class="secondary">${escapeHtml(c.setChannel)}</button></form>`;
    return [
      escapeHtml(channel.name),
      escapeHtml(`${channel.state}${channel.enabled ? '' : ' · off'}`),
      channel.score === null ? '—' : channel.score.toFixed(2),
      String(channel.weight),
      form,
    ];
  });
  const channelsPart = `<h2>${escapeHtml(c.channelsTitle)}</h2>${table([ctx.ct.dashboard.channel, c.state, c.score, c.weight, ''], channelRows, c.channelsTitle)}`;

  const prewarmPart = `<h2>${escapeHtml(c.prewarmTitle)}</h2><p class="hint">${escapeHtml(c.prewarmHint)}</p>
<form class="stack" method="post" action="/admin/sale/prewarm">${csrfField(ctx)}
<div><label for="prewarm-sku">SKU</label>${select('prewarm-sku', 'sku', Object.fromEntries(controls.skus.map((s) => [s, s])), '')}</div>
<button type="submit">${escapeHtml(c.prewarm)}</button></form>`;

  const main = `<h1>${escapeHtml(c.title)}</h1><p class="hint">${escapeHtml(c.hint)}</p>${notice}${degradeForm}${admissionPart}${channelsPart}${prewarmPart}`;
  return renderConsolePage(ctx, c.title, main);
}

function outcomeNotice(ctx: ConsoleContext, outcome: SaleOutcome | undefined): string {
  const c = ctx.ct.sale;
  if (!outcome) return '';
  if ('done' in outcome) {
    // Only the page's own words: a link someone sends staff cannot put its text in a notice.
    const words = c.done[outcome.done];
    return words ? `<p class="notice ok" role="status">${escapeHtml(words)}</p>` : '';
  }
  if ('refused' in outcome) return problemList(c.invalid, outcome.refused);
  return prewarmNotice(ctx, outcome.prewarmed);
}

function prewarmNotice(ctx: ConsoleContext, report: PrewarmReport): string {
  const c = ctx.ct.sale;
  const lines = [
    c.prewarmed(report.sku, report.available, report.heldByOpenOrders, report.api.ms, report.temporalMs),
    ...('error' in report.worker ? [c.workerNotWarmed(report.worker.error)] : []),
    ...(report.soldOut ? [c.soldOut] : []),
  ];
  return `<div class="notice ok" role="status">${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</div>`;
}
