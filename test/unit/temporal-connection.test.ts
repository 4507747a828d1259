import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

// Temporal Cloud or a secured cluster by configuration alone: what @temporalio/envconfig reads (a TOML
// profile, the standard TEMPORAL_* variables) becomes the connection client and worker both open.
describe('the Temporal connection from the standard Temporal settings', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyflow-temporal-'));
  // A home of its own, so a config file of whoever runs the tests never joins in.
  const base = { HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config') };
  const load = (env: Record<string, string>) => loadConfig({ ...base, ...env }, { secretsDir: path.join(dir, 'secrets') }).temporal;

  it('is the local dev server by default, without TLS', () => {
    expect(load({})).toEqual({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'orders', uiPort: 8233, uiUrl: 'http://127.0.0.1:8233' });
  });

  it('links the console to the Web UI at TEMPORAL_UI_URL when given, else at the dev server on TEMPORAL_UI_PORT', () => {
    expect(load({ TEMPORAL_UI_PORT: '9233' }).uiUrl).toBe('http://127.0.0.1:9233');
    expect(load({ TEMPORAL_UI_URL: 'https://temporal.example.com/' }).uiUrl).toBe('https://temporal.example.com');
  });

  it('an API key (Temporal Cloud) turns TLS on with the system roots', () => {
    const temporal = load({ TEMPORAL_ADDRESS: 'shop.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'shop.a1b2c', TEMPORAL_API_KEY: 'cloud-api-key-0123' });
    expect(temporal).toMatchObject({ address: 'shop.a1b2c.tmprl.cloud:7233', namespace: 'shop.a1b2c', apiKey: 'cloud-api-key-0123', tls: true });
  });

  it('mTLS: the client certificate pair, a private CA and the server name, read from files', () => {
    const file = (name: string, text: string) => {
      const at = path.join(dir, name);
      writeFileSync(at, text);
      return at;
    };
    const temporal = load({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: file('client.pem', 'CLIENT CERT'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: file('client.key', 'CLIENT KEY'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('ca.pem', 'PRIVATE CA'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      TEMPORAL_GRPC_META_X_SHOP: 'keyflow',
    });
    expect(temporal.tls).toEqual({
      serverNameOverride: 'temporal.internal',
      serverRootCACertificate: Buffer.from('PRIVATE CA'),
      clientCertPair: { crt: Buffer.from('CLIENT CERT'), key: Buffer.from('CLIENT KEY') },
    });
    expect(temporal.metadata).toEqual({ 'x-shop': 'keyflow' });
  });

  it('a named profile from the config file, with the environment winning over it', () => {
    const configFile = path.join(dir, 'temporal.toml');
    writeFileSync(
      configFile,
      ['[profile.cloud]', 'address = "prod.x9y8z.tmprl.cloud:7233"', 'namespace = "prod.x9y8z"', 'api_key = "profile-api-key-0123"', ''].join('\n'),
    );
    const temporal = load({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'cloud', TEMPORAL_NAMESPACE: 'staging.x9y8z' });
    expect(temporal).toMatchObject({ address: 'prod.x9y8z.tmprl.cloud:7233', namespace: 'staging.x9y8z', apiKey: 'profile-api-key-0123', tls: true });
  });

  it('a certificate that cannot be read stops start-up and says which settings to look at', () => {
    expect(() => load({ TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'missing.pem'), TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'missing.key') })).toThrow(
      ConfigError,
    );
    expect(() => load({ TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'missing.pem'), TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'missing.key') })).toThrow(
      /TEMPORAL_TLS_\*.*missing\.pem/s,
    );
  });
});
