/**
 * A prebuilt workflow bundle when KEYFLOW_WORKFLOW_BUNDLE names one (tests bundle once per run),
 * otherwise the sources, bundled at worker start so they can never be stale.
 */
export async function workflowSource(): Promise<{ workflowBundle: { codePath: string } } | { workflowsPath: string }> {
  const prebuilt = process.env.KEYFLOW_WORKFLOW_BUNDLE;
  if (prebuilt) return { workflowBundle: { codePath: prebuilt } };
  return { workflowsPath: require.resolve('../workflows') };
}
