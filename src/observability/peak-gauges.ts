import client from 'prom-client';
import type { Config } from '../config';
import type { Db } from '../db/client';
import { registry } from './metrics';
import { readDegradeSwitch } from '../degrade/degrade-switch';
import { degradeRank } from '../degrade/degrade-levels';

/**
 * Admission as every API process shares it (the Admission row, read at scrape time): the rate in
 * force, how far ahead the queue of busy buyers reaches, and the delivery lag auto mode steers by;
 * and the degrade switch beside it (the other half of shaping a peak).
 */
export function registerPeakGauges(db: Db, config: Config['admission']): void {
  // The latest API server in this process is the one scraped (tests start several in turn).
  for (const name of ['keyflow_admission_rate_per_second', 'keyflow_admission_queue_seconds', 'keyflow_admission_lag_seconds', 'keyflow_degrade_level'])
    registry.removeSingleMetric(name);
  const row = () => db.admission.findUnique({ where: { name: 'orders' } });
  // The mode label is what makes "absent" possible: prom-client exports an unlabelled gauge as 0
  // even after reset(), and a rate of 0/s would read as "nobody is let in".
  new client.Gauge({
    name: 'keyflow_admission_rate_per_second',
    help: 'New orders a second admission lets in, by mode (fixed or auto; absent when ADMISSION=off)',
    labelNames: ['mode'],
    registers: [registry],
    async collect() {
      this.reset();
      if (config.mode === 'fixed') this.set({ mode: 'fixed' }, config.fixedRatePerSec!);
      else if (config.mode === 'auto') {
        const admission = await row();
        if (admission) this.set({ mode: 'auto' }, admission.ratePerSec);
      }
    },
  });
  new client.Gauge({
    name: 'keyflow_admission_queue_seconds',
    help: 'How far ahead of now the admission queue reaches: how long a buyer told busy now waits',
    registers: [registry],
    async collect() {
      const admission = config.mode === 'off' ? null : await row();
      this.set(admission ? Math.max(0, (admission.nextSlot.getTime() - Date.now()) / 1000) : 0);
    },
  });
  new client.Gauge({
    name: 'keyflow_admission_lag_seconds',
    help: 'Paid→delivered lag auto admission last measured (absent without data or outside auto mode)',
    labelNames: ['mode'],
    registers: [registry],
    async collect() {
      this.reset();
      const admission = config.mode === 'auto' ? await row() : null;
      if (admission?.lagMs != null) this.set({ mode: 'auto' }, admission.lagMs / 1000);
    },
  });
  new client.Gauge({
    name: 'keyflow_degrade_level',
    help: 'The degrade switch: 0 normal, 1 lean, 2 essential (label mode: auto or manual)',
    labelNames: ['mode'],
    registers: [registry],
    async collect() {
      this.reset();
      const { level, mode } = await readDegradeSwitch(db);
      this.set({ mode }, degradeRank(level));
    },
  });
}
