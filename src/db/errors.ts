import { Prisma } from '../generated/prisma/client';

/** A unique constraint refused the write: P2002 from the ORM, P2010 wrapping it from a raw query. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === 'P2002') return true;
  const cause = (error.meta as { driverAdapterError?: { cause?: { kind?: string } } } | undefined)?.driverAdapterError?.cause;
  return error.code === 'P2010' && cause?.kind === 'UniqueConstraintViolation';
}

/** A dependency (Postgres, Temporal, SMTP) that start-up could not reach, with what to do about it. */
export class DependencyError extends Error {
  constructor(
    readonly dependency: string,
    readonly address: string,
    readonly hint: string,
    cause?: unknown,
  ) {
    super(`${dependency} is not reachable at ${address}: ${describeCause(cause)}\n  → ${hint}`);
    this.name = 'DependencyError';
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof AggregateError && cause.errors.length > 0) return describeCause(cause.errors[0]);
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    // A Postgres SQLSTATE alone ("3D000") says nothing to a person; its message does.
    return code && !/^[0-9A-Z]{5}$/.test(code) ? code : cause.message;
  }
  return String(cause ?? 'unknown error');
}

/** host:port of a database URL without user or password, for messages. */
export function describeDatabaseUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port || 5432}${url.pathname}`;
}

export const POSTGRES_HINT = 'Start Postgres (e.g. `pg_ctlcluster 15 main start`) or point DATABASE_URL at a running server.';

/** The order a step names is not in the database. */
export class OrderNotFoundError extends Error {
  constructor(readonly orderNo: string) {
    super(`order ${orderNo} does not exist`);
    this.name = 'OrderNotFoundError';
  }
}

/** A move the order's current state does not allow (e.g. DELIVERED → EXPIRED). */
export class InvalidTransitionError extends Error {
  constructor(
    readonly orderNo: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(`order ${orderNo} cannot move from ${from} to ${to}`);
    this.name = 'InvalidTransitionError';
  }
}

/** A reported payment nothing can confirm: no matching verified notification, and the channel does not know it. */
export class UnverifiedPaymentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnverifiedPaymentError';
  }
}

/** The database refused to hand over keys it holds (a key taken away, a constraint, a trigger): retrying cannot change it. */
export class KeysNotSellableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeysNotSellableError';
  }
}

const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2034']);
const UNAVAILABLE_ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TransactionWriteConflict',
  'TlsConnectionError',
]);
const UNAVAILABLE_MESSAGES =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection terminated|connection timeout|timeout exceeded when trying to connect|Can't reach database|server closed the connection|the database system is (starting up|shutting down|in recovery mode)|terminating connection/i;

/** SQLSTATE classes that mean "the server could not do it now", not "this request is wrong". */
function isTransientSqlState(code: string | undefined): boolean {
  if (!code) return false;
  return code.startsWith('08') || code.startsWith('53') || code.startsWith('57P') || code === '40001' || code === '40P01';
}

/**
 * Whether an error means the database could not be reached or could not serve the request right
 * now (connection refused or lost, pool exhausted, server restarting, serialization conflict).
 * Such errors are waited out; they are never a reason to refund or give up on an order.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error as Record<string, any> | undefined, depth = 0; current && depth < 6; current = current.cause, depth += 1) {
    if (typeof current !== 'object') break;
    if (current instanceof Prisma.PrismaClientInitializationError) return true;
    if (typeof current.code === 'string' && UNAVAILABLE_PRISMA_CODES.has(current.code)) return true;
    if (typeof current.code === 'string' && isTransientSqlState(current.code)) return true;
    const adapter = current.meta?.driverAdapterError?.cause ?? (current.name === 'DriverAdapterError' ? current.cause : undefined);
    if (adapter && (UNAVAILABLE_ADAPTER_KINDS.has(adapter.kind) || (adapter.kind === 'postgres' && isTransientSqlState(adapter.code)))) return true;
    if (typeof current.message === 'string' && UNAVAILABLE_MESSAGES.test(current.message)) return true;
  }
  return false;
}

/** The SQLSTATE a Postgres error carries, through Prisma's and the driver adapter's wrapping. */
export function postgresErrorCode(error: unknown): string | undefined {
  for (let current = error as Record<string, any> | undefined, depth = 0; current && depth < 6; current = current.cause, depth += 1) {
    if (typeof current !== 'object') break;
    const adapter = current.meta?.driverAdapterError?.cause ?? (current.name === 'DriverAdapterError' ? current.cause : undefined);
    if (adapter?.kind === 'postgres' && typeof adapter.code === 'string') return adapter.code;
    if (adapter?.kind && ADAPTER_KIND_CODES[adapter.kind]) return ADAPTER_KIND_CODES[adapter.kind];
    if (typeof current.code === 'string' && /^[0-9A-Z]{5}$/.test(current.code) && !current.code.startsWith('P2')) return current.code;
  }
  return undefined;
}

const ADAPTER_KIND_CODES: Record<string, string> = {
  UniqueConstraintViolation: '23505',
  ForeignKeyConstraintViolation: '23503',
  NullConstraintViolation: '23502',
};

/** The database refused a write on purpose: an integrity constraint (class 23) or a trigger's RAISE (P0001). */
export function isSaleRefusal(error: unknown): boolean {
  const code = postgresErrorCode(error);
  return code !== undefined && (code.startsWith('23') || code === 'P0001');
}
