import { chooseWorkflowStackTraces } from '../../src/worker/stack-traces';

describe('chooseWorkflowStackTraces', () => {
  const before = process.env.TEMPORAL_WORKFLOW_STACK_TRACES;
  afterEach(() => {
    if (before === undefined) delete process.env.TEMPORAL_WORKFLOW_STACK_TRACES;
    else process.env.TEMPORAL_WORKFLOW_STACK_TRACES = before;
  });

  it('tells the SDK through the environment, and finds the patch that reads it in node_modules (npm ci applied patches/)', () => {
    expect(chooseWorkflowStackTraces(false)).toBe(true);
    expect(process.env.TEMPORAL_WORKFLOW_STACK_TRACES).toBe('off');
    expect(chooseWorkflowStackTraces(true)).toBe(true);
    expect(process.env.TEMPORAL_WORKFLOW_STACK_TRACES).toBe('on');
  });
});
