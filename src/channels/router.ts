import type { Db } from '../db/client';
import type { ChannelRegistry, ChannelType } from '../payments/channel';
import { routingWeight, type HealthState } from './health-model';
import { readHealthRows, readOverrides, type HealthRow } from './health-rows';

/** Every API process routes from Postgres, at most this stale. */
export const ROUTING_MAX_AGE_MS = 2_000;

/** One instance as routing sees it: configuration, staff's overrides, and the prober's verdict. */
export interface ChannelStatus {
  name: string;
  type: ChannelType;
  payTypes: readonly string[];
  enabled: boolean;
  weight: number;
  state: HealthState;
  score: number | null;
  health?: HealthRow;
}

/** A refusal because an instance is down asks the buyer to wait about two probe rounds: it may be back by then. */
export const downRetryAfterSeconds = (probeIntervalMs: number) => Math.max(5, Math.ceil((2 * probeIntervalMs) / 1000));

export type RouteRefusalKind = 'disabled' | 'down' | 'all-down' | 'not-offered';

/** Why no instance can take the order; the API maps it to 409 or 503 with Retry-After. */
export class RouteRefusal extends Error {
  constructor(
    readonly kind: RouteRefusalKind,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface RouteRequest {
  /** An instance's name, or undefined / 'auto' to let routing choose. */
  channel?: string;
  payType?: string;
  currency: string;
}

export interface RouterOptions {
  /** The environment's starting weight per instance (1 where it says nothing). */
  weights: ReadonlyMap<string, number>;
  /** What a refusal because of a down instance tells the buyer to wait: about two probe rounds. */
  retryAfterSeconds: number;
  clock?: () => Date;
  random?: () => number;
  maxAgeMs?: number;
}

/**
 * Picks the channel instance for a new order: among the enabled, not-down instances that offer the
 * pay type and take the currency, at random in proportion to weight × score (a degraded instance
 * keeps a small share, so it proves itself again). A named instance is used as named, unless staff
 * disabled it or it is down.
 */
export class ChannelRouter {
  private cached?: { at: number; statuses: ChannelStatus[] };
  private loading?: Promise<ChannelStatus[]>;

  constructor(
    private readonly db: Db,
    private readonly channels: ChannelRegistry,
    private readonly options: RouterOptions,
  ) {}

  /** Every instance with its current state, read from Postgres at most ROUTING_MAX_AGE_MS ago. */
  async statuses(): Promise<ChannelStatus[]> {
    const now = (this.options.clock?.() ?? new Date()).getTime();
    if (this.cached && now - this.cached.at < (this.options.maxAgeMs ?? ROUTING_MAX_AGE_MS)) return this.cached.statuses;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    const statuses = await this.loading;
    this.cached = { at: now, statuses };
    return statuses;
  }

  /** Forget the cached view (after staff change an override in this process). */
  invalidate(): void {
    this.cached = undefined;
  }

  async route(request: RouteRequest): Promise<string> {
    const statuses = await this.statuses();
    const enabled = statuses.filter((s) => s.enabled);
    const fits = (s: ChannelStatus) => this.channels.get(s.name)!.takesCurrency(request.currency) && (!request.payType || s.payTypes.includes(request.payType));
    const wanted = request.payType ? `pay type ${request.payType} in ${request.currency}` : request.currency;

    if (request.channel && request.channel !== 'auto') {
      const named = statuses.find((s) => s.name === request.channel)!;
      if (!named.enabled) {
        throw new RouteRefusal('disabled', `channel ${named.name} is disabled; enabled channels: ${enabled.map((s) => s.name).join(', ') || 'none'}`);
      }
      if (!fits(named)) {
        const alternatives = enabled.filter(fits).map((s) => s.name);
        throw new RouteRefusal(
          'not-offered',
          `channel ${named.name} does not take ${wanted}${alternatives.length ? `; channels that do: ${alternatives.join(', ')}` : ''}`,
        );
      }
      if (named.state === 'down') {
        throw new RouteRefusal(
          'down',
          `channel ${named.name} is not answering right now; try again shortly or choose another channel`,
          this.options.retryAfterSeconds,
        );
      }
      return named.name;
    }

    const candidates = enabled.filter(fits);
    if (candidates.length === 0) throw new RouteRefusal('not-offered', `no enabled channel takes ${wanted}`);
    const weighted = candidates.map((s) => ({ name: s.name, weight: routingWeight(s.weight, s.state, s.score) })).filter((c) => c.weight > 0);
    if (weighted.length === 0 && candidates.some((s) => s.state !== 'down')) {
      throw new RouteRefusal('not-offered', `every enabled channel that takes ${wanted} has weight 0; staff can give one a weight`);
    }
    if (weighted.length === 0) {
      throw new RouteRefusal(
        'all-down',
        `no payment channel for ${wanted} is answering right now, so the shop cannot take payment; nothing was charged, try again shortly`,
        this.options.retryAfterSeconds,
      );
    }
    const total = weighted.reduce((sum, c) => sum + c.weight, 0);
    let pick = (this.options.random ?? Math.random)() * total;
    for (const c of weighted) {
      pick -= c.weight;
      if (pick < 0) return c.name;
    }
    return weighted[weighted.length - 1].name;
  }

  private async load(): Promise<ChannelStatus[]> {
    const names = [...this.channels.keys()];
    const [health, overrides] = await Promise.all([readHealthRows(this.db, names), readOverrides(this.db, names)]);
    return names.map((name) => {
      const channel = this.channels.get(name)!;
      const override = overrides.get(name);
      const row = health.get(name);
      return {
        name,
        type: channel.type,
        payTypes: channel.payTypes,
        enabled: override?.enabled ?? true,
        weight: override?.weight ?? this.options.weights.get(name) ?? 1,
        state: row?.state ?? 'healthy',
        score: row?.score ?? null,
        health: row,
      };
    });
  }
}
