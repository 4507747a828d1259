import type { Config } from '../../config';

export function banner(config: Config, temporalUiUrl: string | undefined): string {
  const api = config.publicBaseUrl;
  const sandbox = `http://127.0.0.1:${config.sandboxPort}`;
  const [admin, token] = [...config.adminTokens.entries()][0] ?? ['admin', '<ADMIN_TOKEN>'];
  const lines = [
    '',
    '══════════════════════════ Keyflow is running ══════════════════════════',
    `  Shop front         ${api}/   (buyers: catalogue, checkout, order pages; zh-CN and English)`,
    `  Staff console      ${api}/admin   (sign in as "${admin}" with the token in the ADMIN line below)`,
    `  Shop API           ${api}/api   (health: ${api}/readyz)`,
    `  Temporal           ${config.temporal.address}  namespace "${config.temporal.namespace}", task queue "${config.temporal.taskQueue}"`,
    temporalUiUrl ? `  Temporal Web UI    ${temporalUiUrl}/namespaces/${config.temporal.namespace}/workflows` : '',
    `  Codec server       http://127.0.0.1:${config.codecPort}   (decrypts history for the Web UI: --ui-codec-endpoint)`,
    `  Metrics            API http://127.0.0.1:${config.apiMetricsPort}/metrics, worker http://127.0.0.1:${config.workerMetricsPort}/metrics`,
    ...config.epayInstances.map((e) => `  Epay gateway       ${e.name.padEnd(12)} ${e.apiUrl}${e.sandboxPort ? '  (local sandbox)' : ''}`),
    config.epayInstances.some((e) => e.sandboxPort === config.sandboxPort) ? `  Sandbox mailbox    ${sandbox}/mailbox   (SMTP sink ${config.smtpUrl})` : '',
    `  Postgres           ${new URL(config.databaseUrl).host}${new URL(config.databaseUrl).pathname}`,
    '',
  ];
  if (config.localSecrets) {
    const { file, used, createdNow } = config.localSecrets;
    lines.push(
      `  Local mode: ${used.join(', ')} ${createdNow.length ? 'were generated now and saved' : 'come from'} ${file}`,
      '  (set them in the environment to override; NODE_ENV=production requires them).',
      '',
    );
  }
  lines.push(
    '  Try it:  npm run demo',
    '  or by hand:',
    `    export KF=${api} ADMIN='Authorization: Bearer ${token}'   # staff "${admin}"`,
    `    curl -X PUT $KF/api/admin/skus/steam-50 -H "$ADMIN" -H 'Content-Type: application/json' \\`,
    `         -d '{"name":"Steam ¥50","priceCents":5000,"currency":"CNY"}'`,
    `    printf 'KEY-AAAA-0001\\nKEY-AAAA-0002\\n' | curl -X POST $KF/api/admin/skus/steam-50/keys -H "$ADMIN" -H 'Content-Type: text/plain' --data-binary @-`,
    `    curl -X POST $KF/api/orders -H 'Content-Type: application/json' \\`,
    `         -d '{"sku":"steam-50","quantity":1,"email":"buyer@example.com","channel":"epay"}'`,
    '    # open the payUrl in a browser and press Pay, or: curl -X POST ' + sandbox + '/api/trades/<orderNo>/pay',
    '═════════════════════════════════════════════════════════════════════════',
    '  Ctrl-C stops everything.',
    '',
  );
  return lines.filter((line, i, all) => line !== '' || all[i - 1] !== '').join('\n');
}
