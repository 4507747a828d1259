import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../src/paths';

describe('docker-compose.temporal.yml', () => {
  const compose = parse(readFileSync(path.join(PROJECT_ROOT, 'docker-compose.temporal.yml'), 'utf8'));

  it('names the Temporal server, its Postgres, the Web UI, admin tools and the app database', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['keyflow-postgresql', 'temporal', 'temporal-admin-tools', 'temporal-postgresql', 'temporal-ui']);
    expect(compose.services.temporal.image).toMatch(/^temporalio\/auto-setup:/);
    expect(compose.services.temporal.environment.DB).toBe('postgres12');
    expect(compose.services['temporal-ui'].image).toMatch(/^temporalio\/ui:/);
    expect(compose.services['temporal-admin-tools'].image).toMatch(/^temporalio\/admin-tools:/);
  });

  it('publishes the ports the README and defaults use', () => {
    expect(compose.services.temporal.ports).toEqual(['7233:7233']);
    expect(compose.services['temporal-ui'].ports).toEqual(['8233:8080']);
    expect(compose.services['keyflow-postgresql'].ports).toEqual(['5433:5432']);
  });

  it('only depends on services it defines, and declares its volumes', () => {
    for (const [name, service] of Object.entries<Record<string, unknown>>(compose.services)) {
      const deps = service.depends_on ? (Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on as object)) : [];
      for (const dep of deps) expect({ name, dep, known: dep in compose.services }).toEqual({ name, dep, known: true });
      for (const volume of (service.volumes as string[] | undefined) ?? []) expect(Object.keys(compose.volumes)).toContain(volume.split(':')[0]);
    }
  });
});
