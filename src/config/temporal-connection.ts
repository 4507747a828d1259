import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';

/** How client and worker reach Temporal: address and namespace, and for a secured cluster TLS, mTLS, an API key, gRPC metadata. */
export interface TemporalConnectionConfig {
  address: string;
  namespace: string;
  /** `true`: TLS with the system's roots (Temporal Cloud with an API key); an object: mTLS and/or a private CA. */
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

const DEFAULT_ADDRESS = '127.0.0.1:7233';
const DEFAULT_NAMESPACE = 'default';

/**
 * The Temporal connection, read the way every Temporal SDK and the CLI read it
 * (`@temporalio/envconfig`): a profile from the TOML config file (`TEMPORAL_CONFIG_FILE`, else
 * ~/.config/temporalio/temporal.toml; `TEMPORAL_PROFILE`, else `default`), overridden by the
 * environment (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS`,
 * `TEMPORAL_TLS_CLIENT_CERT_PATH` / `_DATA`, `TEMPORAL_TLS_CLIENT_KEY_PATH` / `_DATA`,
 * `TEMPORAL_TLS_SERVER_CA_CERT_PATH` / `_DATA`, `TEMPORAL_TLS_SERVER_NAME`, `TEMPORAL_GRPC_META_*`).
 * Throws with the library's message when a file cannot be read or parsed.
 */
export function loadTemporalConnection(env: Record<string, string>): TemporalConnectionConfig {
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: env });
  const metadata = connectionOptions.metadata && Object.keys(connectionOptions.metadata).length > 0 ? connectionOptions.metadata : undefined;
  return {
    address: connectionOptions.address ?? DEFAULT_ADDRESS,
    namespace: namespace ?? DEFAULT_NAMESPACE,
    ...(connectionOptions.tls !== undefined ? { tls: connectionOptions.tls as TLSConfig | boolean } : {}),
    ...(connectionOptions.apiKey !== undefined ? { apiKey: connectionOptions.apiKey as string } : {}),
    ...(metadata ? { metadata: metadata as Record<string, string> } : {}),
  };
}
