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
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return String(cause ?? 'unknown error');
}

/** host:port of a database URL without user or password, for messages. */
export function describeDatabaseUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port || 5432}${url.pathname}`;
}

export const POSTGRES_HINT = 'Start Postgres (e.g. `pg_ctlcluster 15 main start`) or point DATABASE_URL at a running server.';
