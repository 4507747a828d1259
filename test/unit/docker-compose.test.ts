import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../src/paths';

describe('docker-compose.temporal.yml', () => {
  const compose = parse(readFileSync(path.join(PROJECT_ROOT, 'docker-compose.temporal.yml'), 'utf8'), { merge: true });
  const services: Record<string, Record<string, any>> = compose.services;

  it('runs a supported Temporal server (not the retired auto-setup image), its schema and namespace set-up, the Web UI and both databases', () => {
    expect(services.temporal.image).toMatch(/^temporalio\/server:1\.\d+\.\d+$/);
    expect(JSON.stringify(compose)).not.toContain('auto-setup');
    expect(services['temporal-schema'].image).toMatch(/^temporalio\/admin-tools:/);
    expect(services['temporal-schema'].command.join('\n')).toContain('update-schema');
    expect(services.temporal.depends_on['temporal-schema'].condition).toBe('service_completed_successfully');
    expect(services['temporal-namespace'].command.join('\n')).toMatch(/search-attribute create/);
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:/);
    expect(services['keyflow-postgresql'].image).toMatch(/^postgres:/);
  });

  it("runs the app's own services from the Dockerfile, in production mode, behind a profile", () => {
    for (const name of ['keyflow-setup', 'keyflow-worker', 'keyflow-api', 'keyflow-codec']) {
      expect(services[name]).toMatchObject({ build: '.', profiles: ['app'], environment: { NODE_ENV: 'production' } });
      expect(services[name].command.join(' ')).toMatch(/node dist\//);
    }
    expect(services['keyflow-worker'].depends_on['keyflow-setup'].condition).toBe('service_completed_successfully');
  });

  it('binds every published port to loopback, on the ports the README and defaults use', () => {
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(published.sort()).toEqual(['127.0.0.1:3000:3000', '127.0.0.1:5433:5432', '127.0.0.1:7233:7233', '127.0.0.1:8233:8080', '127.0.0.1:8888:8888']);
  });

  it('only depends on services it defines, and declares its volumes and mounts files that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      const deps = service.depends_on ? Object.keys(service.depends_on) : [];
      for (const dep of deps) expect({ name, dep, known: dep in services }).toEqual({ name, dep, known: true });
      for (const volume of (service.volumes as string[] | undefined) ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('./')) expect(() => readFileSync(path.join(PROJECT_ROOT, source))).not.toThrow();
        else expect(Object.keys(compose.volumes)).toContain(source);
      }
    }
  });
});
