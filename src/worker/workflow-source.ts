import { existsSync } from 'node:fs';
import path from 'node:path';

/** Written by `npm run build` next to the compiled worker (dist/workflow-bundle.js). */
const BUILT_BUNDLE = path.join(__dirname, '..', 'workflow-bundle.js');

/**
 * Workflow interceptor modules every bundle carries (tests, `npm run build` and the development
 * worker alike), so replaying recorded histories runs the same code as production.
 */
export function workflowInterceptorModules(workflowsDir = path.join(__dirname, '..', 'workflows')): string[] {
  return [require.resolve(path.join(workflowsDir, 'tracing-interceptors'))];
}

/**
 * The workflow code the worker runs: a bundle named by KEYFLOW_WORKFLOW_BUNDLE (tests bundle once per
 * run), the one `npm run build` made (production runs the build), or in development the sources,
 * bundled at worker start so they can never be stale. A prebuilt bundle has its interceptors inside.
 */
export function workflowSource(): { workflowBundle: { codePath: string } } | { workflowsPath: string; workflowModules: string[] } {
  const prebuilt = process.env.KEYFLOW_WORKFLOW_BUNDLE ?? (existsSync(BUILT_BUNDLE) ? BUILT_BUNDLE : undefined);
  if (prebuilt) return { workflowBundle: { codePath: prebuilt } };
  return { workflowsPath: require.resolve('../workflows'), workflowModules: workflowInterceptorModules() };
}
