import { Client } from 'pg';
import type { Logger } from '../logging';
import { errorMessage, firstLine } from '../error-text';

/** The channels the change-notification triggers (migration 20261204100000) announce on. */
const ORDER_CHANNEL = 'keyflow_order_changed';
const CATALOGUE_CHANNEL = 'keyflow_catalogue_changed';
const RECONNECT_MS = 1_000;

export interface ChangeListener {
  orderChanged(orderNo: string): void;
  catalogueChanged(): void;
  /** Changes may have gone unheard (the feed was down): everything held must go before anything is served again. */
  reset(): void | Promise<void>;
}

/**
 * One LISTEN connection per process: the database tells it which orders and whether the catalogue
 * changed, at commit. While it is down nobody may trust a cache, so `live` is what caches check
 * before serving; on reconnecting it resets them, since what changed meanwhile is unknown.
 */
export class ChangeFeed {
  private client?: Client;
  private listeners: ChangeListener[] = [];
  private retry?: NodeJS.Timeout;
  private stopped = false;
  /** When (this process's clock) the current connection began hearing changes; null while down. */
  private liveSince: number | null = null;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  subscribe(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  get live(): boolean {
    return this.liveSince !== null;
  }

  /** Every change committed after this moment has been or will be heard; null while the feed is down. */
  get hearingSince(): number | null {
    return this.liveSince;
  }

  /** Connects once; a failure here is the caller's to report (start-up stops with what is wrong). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 5_000 });
    client.on('notification', (message) => {
      if (message.channel === ORDER_CHANNEL && message.payload) for (const l of this.listeners) l.orderChanged(message.payload);
      else if (message.channel === CATALOGUE_CHANNEL) for (const l of this.listeners) l.catalogueChanged();
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    await client.connect();
    // Heard from when LISTEN has committed: a change committed before that is older than the reset below.
    await client.query(`LISTEN ${ORDER_CHANNEL}; LISTEN ${CATALOGUE_CHANNEL}`);
    this.client = client;
    try {
      await Promise.all(this.listeners.map((l) => Promise.resolve(l.reset())));
    } catch (error) {
      await client.end().catch(() => undefined);
      this.client = undefined;
      throw error;
    }
    this.liveSince = this.clock();
  }

  private lost(client: Client, error: unknown): void {
    if (this.client !== client || this.stopped) return;
    this.client = undefined;
    this.liveSince = null;
    for (const l of this.listeners) void Promise.resolve(l.reset()).catch(() => undefined);
    client.end().catch(() => undefined);
    this.logger.warn({ err: firstLine(errorMessage(error), 300) }, 'change feed lost its connection; caches are bypassed until it is back');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => {
      this.connect().catch((error: unknown) => {
        this.logger.debug({ err: firstLine(errorMessage(error), 300) }, 'change feed reconnect failed; trying again');
        this.scheduleReconnect();
      });
    }, RECONNECT_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    this.liveSince = null;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
