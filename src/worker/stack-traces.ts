import { readFileSync } from 'node:fs';

const SWITCH = 'TEMPORAL_WORKFLOW_STACK_TRACES';

/**
 * Temporal's TypeScript SDK gives every promise that workflow code creates a captured, source-mapped
 * stack trace, read only by the __stack_trace query (the Web UI's Stack Trace tab), and has no option
 * to stop it; patches/@temporalio+worker+*.patch (applied by `npm install`) makes its workflow thread
 * read this variable instead. The thread copies the environment when the worker starts it, so this
 * runs before Worker.create. Returns false when traces should be off but node_modules lacks the patch
 * (installed with --ignore-scripts, or an SDK upgrade the patch no longer fits).
 */
export function chooseWorkflowStackTraces(on: boolean): boolean {
  process.env[SWITCH] = on ? 'on' : 'off';
  return on || readFileSync(require.resolve('@temporalio/worker/lib/workflow/vm-shared'), 'utf8').includes(SWITCH);
}
