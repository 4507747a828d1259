// The channel-outage scenario's figures (issue 16): what share of new orders still went to the
// gateway that was down, how many buyers paid in the end, whether orders paid there just before
// the fault were delivered once it was back, and how soon it got traffic again.
import type { Sent } from './load';

/** The scenario's targets: the seed's 95 % payment success, and a down gateway all but unused. */
export const OUTAGE_TARGETS = { maxShareToDown: 0.05, minPaymentSuccess: 0.95 };
/** Orders in the first seconds after the fault are the detection window, not counted in the share. */
export const DETECTION_GRACE_MS = 10_000;

export interface OutageTimes {
  /** The gateway that went down. */
  channel: string;
  faultAt: number;
  recoveredAt: number;
}

export interface OutageFigures {
  downSeconds: number;
  /** Orders placed from DETECTION_GRACE_MS after the fault until recovery, and how many went to the down gateway. */
  ordersInWindow: number;
  ordersToDown: number;
  shareToDown: number | null;
  buyers: number;
  paidBuyers: number;
  paymentSuccess: number;
  /** Buyers whose pay page failed and who ordered once more. */
  reordered: number;
  /** Orders paid at the failing gateway before the fault, how many were delivered, and how many of those had their notification held by the outage. */
  paidBeforeFault: number;
  deliveredOfThose: number;
  heldByOutage: number;
  /** From recovery to the first new order routed to the gateway; null when none came. */
  secondsUntilTrafficAgain: number | null;
  meetsTargets: boolean;
}

export function outageFigures(
  sent: Sent[],
  times: OutageTimes,
  delivered: ReadonlySet<string>,
  firstNotificationAt: ReadonlyMap<string, number>,
): OutageFigures {
  const placed = sent.flatMap((s) => [
    ...(s.abandoned ? [{ channel: s.abandoned.channel, at: s.abandoned.startedAt }] : []),
    ...(s.orderNo && s.channel ? [{ channel: s.channel, at: s.startedAt }] : []),
  ]);
  const inWindow = placed.filter((p) => p.at >= times.faultAt + DETECTION_GRACE_MS && p.at < times.recoveredAt);
  const toDown = inWindow.filter((p) => p.channel === times.channel).length;
  const paidBeforeFault = sent.filter((s) => s.channel === times.channel && s.paidAt !== undefined && s.paidAt < times.faultAt && s.orderNo);
  const afterRecovery = placed.filter((p) => p.channel === times.channel && p.at >= times.recoveredAt).map((p) => p.at);
  const paidBuyers = sent.filter((s) => s.paidAt !== undefined && !s.error).length;
  const shareToDown = inWindow.length ? toDown / inWindow.length : null;
  const paymentSuccess = sent.length ? paidBuyers / sent.length : 0;
  const deliveredOfThose = paidBeforeFault.filter((s) => delivered.has(s.orderNo!)).length;
  return {
    downSeconds: Math.round((times.recoveredAt - times.faultAt) / 1000),
    ordersInWindow: inWindow.length,
    ordersToDown: toDown,
    shareToDown,
    buyers: sent.length,
    paidBuyers,
    paymentSuccess,
    reordered: sent.filter((s) => s.abandoned).length,
    paidBeforeFault: paidBeforeFault.length,
    deliveredOfThose,
    heldByOutage: paidBeforeFault.filter((s) => (firstNotificationAt.get(s.orderNo!) ?? 0) >= times.faultAt).length,
    secondsUntilTrafficAgain: afterRecovery.length ? Math.round((Math.min(...afterRecovery) - times.recoveredAt) / 100) / 10 : null,
    meetsTargets:
      shareToDown !== null &&
      shareToDown <= OUTAGE_TARGETS.maxShareToDown &&
      paymentSuccess >= OUTAGE_TARGETS.minPaymentSuccess &&
      deliveredOfThose === paidBeforeFault.length,
  };
}

export function describeOutage(f: OutageFigures): string {
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  return [
    `    down ${f.downSeconds} s: from ${DETECTION_GRACE_MS / 1000} s after the fault, ${f.ordersToDown} of ${f.ordersInWindow} new orders went to the down gateway (${pct(f.shareToDown)}, target ≤ ${pct(OUTAGE_TARGETS.maxShareToDown)})`,
    `    payment success ${f.paidBuyers} of ${f.buyers} buyers (${pct(f.paymentSuccess)}, target ≥ ${pct(OUTAGE_TARGETS.minPaymentSuccess)}); ${f.reordered} ordered once more after a failed pay page`,
    `    paid at the down gateway before the fault: ${f.deliveredOfThose} of ${f.paidBeforeFault} delivered (${f.heldByOutage} had their notification held until it was back)`,
    `    traffic to the gateway again ${f.secondsUntilTrafficAgain === null ? 'never' : `${f.secondsUntilTrafficAgain} s`} after it recovered; targets ${f.meetsTargets ? 'met' : 'MISSED'}`,
  ].join('\n');
}
