// A TCP proxy between two of Keyflow's parts that can make the wire between them bad on purpose:
// added latency, lost packets (as TCP experiences them: a segment resent after a retransmission
// timeout), or a partition (nothing crosses, in either direction, until it heals; connections held
// open meanwhile, as a network that drops everything does). Loopback only.
import net from 'node:net';

export interface WireFault {
  /** Added to every chunk, each way. */
  latencyMs?: number;
  /** Share of chunks that arrive a retransmission timeout late (0–1). */
  lossRate?: number;
  /** Nothing crosses while true; what was sent arrives once it heals. */
  partitioned?: boolean;
}

/** TCP's minimum retransmission timeout: what a lost segment costs. */
const RETRANSMIT_MS = 200;

export class FaultProxy {
  private fault: WireFault = {};
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly healed: Array<() => void> = [];

  private constructor(
    private readonly targetPort: number,
    readonly port: number,
  ) {
    this.server = net.createServer((client) => this.connect(client));
  }

  static async start(targetPort: number, port: number): Promise<FaultProxy> {
    const proxy = new FaultProxy(targetPort, port);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(port, '127.0.0.1', resolve);
    });
    return proxy;
  }

  set(fault: WireFault): void {
    this.fault = fault;
    if (!fault.partitioned) for (const resume of this.healed.splice(0)) resume();
  }

  async close(): Promise<void> {
    this.set({});
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private connect(client: net.Socket): void {
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    this.pipe(client, upstream);
    this.pipe(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  /** Forwards chunks in order, each after the fault's delay; a partition holds them all. */
  private pipe(from: net.Socket, to: net.Socket): void {
    let last = Promise.resolve();
    from.on('data', (chunk) => {
      from.pause();
      last = last.then(async () => {
        while (this.fault.partitioned) await new Promise<void>((resolve) => this.healed.push(resolve));
        const lost = Math.random() < (this.fault.lossRate ?? 0);
        const delay = (this.fault.latencyMs ?? 0) + (lost ? RETRANSMIT_MS : 0);
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        if (!to.destroyed) to.write(chunk);
      });
      void last.then(() => from.resume());
    });
    from.on('end', () => void last.then(() => to.end()));
  }
}
