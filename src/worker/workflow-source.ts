import { existsSync } from 'node:fs';
import path from 'node:path';

/** Written by `npm run build` next to the compiled worker (dist/workflow-bundle.js). */
const BUILT_BUNDLE = path.join(__dirname, '..', 'workflow-bundle.js');

/**
 * The workflow code the worker runs: a bundle named by KEYFLOW_WORKFLOW_BUNDLE (tests bundle once per
 * run), the one `npm run build` made (production runs the build), or in development the sources,
 * bundled at worker start so they can never be stale.
 */
export function workflowSource(): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const prebuilt = process.env.KEYFLOW_WORKFLOW_BUNDLE ?? (existsSync(BUILT_BUNDLE) ? BUILT_BUNDLE : undefined);
  if (prebuilt) return { workflowBundle: { codePath: prebuilt } };
  return { workflowsPath: require.resolve('../workflows') };
}
