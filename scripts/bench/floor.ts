// `npm run bench:floor`: the ceiling this machine puts on any workflow-per-order design, measured
// without Keyflow. A Temporal dev server started as Keyflow starts it, a worker in this process and
// a load generator in its own process run workflows that only wait for a "paid" signal and run local
// activities that do nothing: no database, no HTTP, no email. Whatever rate this cannot sustain
// within the issue's targets, Keyflow cannot either (docs/performance.md, "The floor").
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { PROJECT_ROOT } from '../../src/paths';
import { freePort } from '../../src/dev/launcher/free-port';
import { startTemporalDevServer } from '../../src/dev/launcher/temporal-dev-server';
import { AmountCentsKey, OrderNoKey, OrderStatusKey, PaymentChannelKey, SkuKey } from '../../src/workflows/search-attributes';
import { machineCpu, processCpuSeconds, stats, type Stats } from './measure';
import type { FloorShape } from './floor-workflows';

const SHAPES: Record<string, FloorShape> = {
  /** The least a workflow-per-order design with a payment signal does. */
  minimal: { patch: false, timer: false, steps: 1, upserts: 0 },
  /** Keyflow's delivered-order history (docs/performance.md item 14) with none of its work. */
  'keyflow-shaped': { patch: false, timer: true, steps: 2, upserts: 1 },
};
const TASK_QUEUE = 'floor';
/** The issue's delivery target; a step that misses it ends the run for that shape. */
const DELIVERED_P99_MS = 1000;
/** How long after starting a workflow its "payment" signal is sent (a buyer pays later than that). */
const SIGNAL_AFTER_MS = 50;

interface LoadRequest {
  tag: string;
  rate: number;
  seconds: number;
  shape: FloorShape;
  address: string;
}
interface LoadReport {
  signalledAt: Array<[string, number]>;
  errors: string[];
}

interface Step {
  shape: string;
  rate: number;
  workflows: number;
  /** Completed workflows per second, from the first start to the last completion. */
  throughput: number;
  signalToDoneMs: Stats;
  errors: number;
  cpuMsPerWorkflow: { temporal: number; worker: number; load: number };
  machineBusyPct: number;
  meetsTarget: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The load generator (child process): starts workflows at the rate, signals each one shortly after. */
async function generateLoad(request: LoadRequest): Promise<LoadReport> {
  const connection = await Connection.connect({ address: request.address });
  const client = new Client({ connection });
  const signalledAt: Array<[string, number]> = [];
  const errors: string[] = [];
  const count = Math.round(request.rate * request.seconds);
  const started = Date.now();
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / request.rate;
    if (due > Date.now()) await sleep(due - Date.now());
    const id = `${request.tag}-${i}`;
    pending.push(
      (async () => {
        try {
          const handle = await client.workflow.start('floorWorkflow', {
            taskQueue: TASK_QUEUE,
            workflowId: id,
            args: [request.shape],
            // The same kind of search attributes an order starts with.
            typedSearchAttributes: [
              { key: OrderNoKey, value: id },
              { key: OrderStatusKey, value: 'AWAITING_PAYMENT' },
              { key: SkuKey, value: 'floor' },
              { key: PaymentChannelKey, value: 'epay' },
              { key: AmountCentsKey, value: 100 },
            ],
          });
          await sleep(SIGNAL_AFTER_MS);
          signalledAt.push([id, Date.now()]);
          await handle.signal('paid');
        } catch (error) {
          errors.push((error as Error).message);
        }
      })(),
    );
  }
  await Promise.all(pending);
  await connection.close();
  return { signalledAt, errors };
}

function startLoadProcess(): ChildProcess {
  return fork(__filename, ['--load'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function askLoad(load: ChildProcess, request: LoadRequest): Promise<LoadReport> {
  return new Promise((resolve, reject) => {
    load.once('message', (report) => resolve(report as LoadReport));
    load.once('exit', (code) => reject(new Error(`the load generator exited with ${code}`)));
    load.send(request);
  });
}

async function measureShape(name: string, shape: FloorShape, rates: number[], seconds: number, warmupSeconds: number): Promise<Step[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyflow-floor-'));
  // Started exactly as `npm start` starts it: SQLite file, WAL, Web UI, Keyflow's search attributes.
  const server = await startTemporalDevServer({
    host: '127.0.0.1',
    port: await freePort(),
    uiPort: await freePort(),
    namespace: 'default',
    dbFile: path.join(dir, 'temporal.sqlite'),
  });
  const doneAt = new Map<string, number>();
  const connection = await NativeConnection.connect({ address: server.address });
  const worker = await Worker.create({
    connection,
    taskQueue: TASK_QUEUE,
    workflowsPath: require.resolve('./floor-workflows'),
    activities: {
      async step(last: boolean) {
        if (last) doneAt.set(Context.current().info.workflowExecution!.workflowId, Date.now());
      },
    },
  });
  const running = worker.run();
  const load = startLoadProcess();
  const steps: Step[] = [];
  try {
    const runStep = async (tag: string, rate: number, stepSeconds: number) => {
      const cpu0 = { temporal: processCpuSeconds(server.process.pid!), worker: processCpuSeconds('self'), load: processCpuSeconds(load.pid!) };
      const machine0 = machineCpu();
      const started = Date.now();
      const report = await askLoad(load, { tag, rate, seconds: stepSeconds, shape, address: server.address });
      const ids = report.signalledAt.map(([id]) => id);
      // Every signalled workflow completes unless the machine cannot keep up at all.
      const giveUpAt = Date.now() + 180_000;
      while (ids.some((id) => !doneAt.has(id)) && Date.now() < giveUpAt) await sleep(100);
      const finished = Math.max(...ids.map((id) => doneAt.get(id) ?? Date.now()));
      const machine1 = machineCpu();
      const per = (before: number, after: number) => Math.round(((after - before) * 1000 * 10) / Math.max(1, ids.length)) / 10;
      const latencies = report.signalledAt.filter(([id]) => doneAt.has(id)).map(([id, at]) => doneAt.get(id)! - at);
      const lost = ids.length - latencies.length;
      return {
        rate,
        workflows: ids.length,
        throughput: Math.round((latencies.length / ((finished - started) / 1000)) * 10) / 10,
        signalToDoneMs: stats(latencies),
        errors: report.errors.length + lost,
        cpuMsPerWorkflow: {
          temporal: per(cpu0.temporal, processCpuSeconds(server.process.pid!)),
          worker: per(cpu0.worker, processCpuSeconds('self')),
          load: per(cpu0.load, processCpuSeconds(load.pid!)),
        },
        machineBusyPct: Math.round(((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * 100),
      };
    };
    if (warmupSeconds > 0) await runStep(`${name}-warmup`, 10, warmupSeconds);
    for (const rate of rates) {
      const step = await runStep(`${name}-${rate}`, rate, seconds);
      const meetsTarget = step.errors === 0 && step.signalToDoneMs.p99 <= DELIVERED_P99_MS;
      steps.push({ shape: name, ...step, meetsTarget });
      const cpu = step.cpuMsPerWorkflow;
      console.log(
        `  ${name.padEnd(15)} ${String(rate).padStart(3)}/s offered  ${step.throughput.toFixed(1).padStart(5)}/s done  signal→done p50 ${step.signalToDoneMs.p50} ms, p99 ${step.signalToDoneMs.p99} ms, max ${step.signalToDoneMs.max} ms` +
          `  errors ${step.errors}  CPU ms/workflow temporal ${cpu.temporal}, worker ${cpu.worker}, load ${cpu.load}  machine ${step.machineBusyPct}% busy${meetsTarget ? '' : '  ← misses p99 ≤ 1 s'}`,
      );
      if (!meetsTarget) break;
    }
  } finally {
    load.kill();
    worker.shutdown();
    await running;
    await connection.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return steps;
}

async function main() {
  const { values: flags } = parseArgs({
    options: {
      load: { type: 'boolean', default: false },
      /** Steady steps, lowest first; a shape stops at its first step that misses p99 ≤ 1 s. */
      rates: { type: 'string', default: '10,20,30,40,50' },
      seconds: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '10' },
      shape: { type: 'string', multiple: true },
      out: { type: 'string', default: path.join(PROJECT_ROOT, 'bench-results') },
    },
  });
  if (flags.load) {
    process.on('message', (request: LoadRequest) => void generateLoad(request).then((report) => process.send!(report)));
    return;
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const rates = flags.rates!.split(',').map(Number);
  if (rates.some((r) => !(r > 0))) throw new Error(`--rates takes positive numbers, comma-separated (got "${flags.rates}")`);
  const names = flags.shape?.length ? flags.shape : Object.keys(SHAPES);
  for (const name of names) if (!SHAPES[name]) throw new Error(`unknown --shape "${name}"; one of ${Object.keys(SHAPES).join(', ')}`);
  console.log(`the floor: workflows with no work in them, ${flags.seconds} s per step, on ${os.cpus().length} cores`);
  const steps: Step[] = [];
  for (const name of names) steps.push(...(await measureShape(name, SHAPES[name], rates, Number(flags.seconds), Number(flags.warmup))));
  const ceiling = Object.fromEntries(
    names.map((name) => {
      const met = steps.filter((s) => s.shape === name && s.meetsTarget).map((s) => s.rate);
      return [name, met.length ? Math.max(...met) : null];
    }),
  );
  for (const [name, rate] of Object.entries(ceiling)) console.log(`${name}: highest step with signal→done p99 ≤ 1 s: ${rate === null ? 'none' : `${rate}/s`}`);
  mkdirSync(flags.out!, { recursive: true });
  const file = path.join(flags.out!, 'floor.json');
  writeFileSync(
    file,
    JSON.stringify({ machine: { cpus: os.cpus().length, node: process.version }, date: new Date().toISOString(), shapes: SHAPES, ceiling, steps }, null, 2) +
      '\n',
  );
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
