import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { PROJECT_ROOT, VENV_BIN } from '../../src/paths';

const read = (file: string) => readFileSync(path.join(PROJECT_ROOT, file), 'utf8');

describe('the Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('passes hadolint with nothing to report', () => {
    const lint = spawnSync(path.join(VENV_BIN, 'hadolint'), ['--failure-threshold', 'info', 'Dockerfile'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect({ status: lint.status, out: lint.stdout + lint.stderr }).toEqual({ status: 0, out: '' });
  });

  it('builds in one stage and runs the build in another, on a maintained Node LTS, as a non-root user', () => {
    const stages = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const image of stages) expect(image).toMatch(/^node:(22|24)(\.\d+)?-/);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).toMatch(/^USER (?!0\b|root\b)\S+/m);
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    expect(runtime).toMatch(/^CMD \["node", "dist\//m);
    expect(dockerfile).toContain('npm prune --omit=dev');
  });
});

describe('deploy/k8s (kustomize)', () => {
  const dir = 'deploy/k8s';
  const files = readdirSync(path.join(PROJECT_ROOT, dir)).filter((f) => f.endsWith('.yaml'));
  const kustomization = parse(read(`${dir}/kustomization.yaml`));
  const resources = files
    .filter((f) => f !== 'kustomization.yaml')
    .flatMap((f) => parseAllDocuments(read(`${dir}/${f}`)).map((d) => ({ file: f, doc: d.toJSON() })));
  const byKind = (kind: string, name: string) => resources.find((r) => r.doc.kind === kind && r.doc.metadata.name === name)?.doc;

  it('validates against the Kubernetes schemas, strictly (kubernetes-validate, offline)', () => {
    const builtIn = files.filter((f) => f !== 'kustomization.yaml' && !read(`${dir}/${f}`).includes('keda.sh/'));
    const run = spawnSync(path.join(VENV_BIN, 'kubernetes-validate'), ['--strict', '--quiet', ...builtIn.map((f) => `${dir}/${f}`)], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });
    expect({ status: run.status, out: run.stdout + run.stderr }).toEqual({ status: 0, out: '' });
  });

  it('lists every manifest in the kustomization, and nothing that is not there', () => {
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml').sort());
  });

  it('runs the built image as a non-root user in every pod, with the secret and the config', () => {
    const pods = resources.filter((r) => ['Deployment', 'Job'].includes(r.doc.kind)).map((r) => r.doc.spec.template.spec);
    expect(pods.length).toBeGreaterThanOrEqual(4);
    for (const pod of pods) {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
      for (const container of pod.containers) {
        expect(container.image).toBe('keyflow');
        expect(container.command.join(' ')).toMatch(/node dist\//);
        expect(container.envFrom).toEqual([{ configMapRef: { name: 'keyflow-config' } }, { secretRef: { name: 'keyflow-secrets' } }]);
      }
    }
  });

  it('scales workers on the task queue backlog of the queue and cluster they poll (KEDA Temporal scaler)', () => {
    const scaler = byKind('ScaledObject', 'keyflow-worker');
    const config = byKind('ConfigMap', 'keyflow-config').data;
    expect(scaler.apiVersion).toBe('keda.sh/v1alpha1');
    expect(byKind('Deployment', scaler.spec.scaleTargetRef.name)).toBeDefined();
    expect(scaler.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    expect(scaler.spec.maxReplicaCount).toBeGreaterThan(scaler.spec.minReplicaCount);
    const [trigger] = scaler.spec.triggers;
    expect(trigger.type).toBe('temporal');
    expect(trigger.metadata).toMatchObject({ endpoint: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE });
    expect(Number(trigger.metadata.targetQueueSize)).toBeGreaterThan(0);
  });

  it('the tier-1 delay alert points at the autoscaling rule', () => {
    const rules = parse(read('deploy/prometheus/alerts.yml')).groups.flatMap((g: { rules: Array<Record<string, any>> }) => g.rules);
    const light = rules.find((r: Record<string, any>) => r.alert === 'KeyflowDeliveryDelayLight');
    expect(light.labels.tier).toBe('light');
    expect(light.annotations.runbook).toBe('deploy/k8s/worker-autoscaling.yaml');
  });
});
