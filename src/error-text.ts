// Error text for people (timelines, inbox rows, API messages). Pure: also used by workflow code.

/** The innermost cause's message: Temporal wraps the real reason in ActivityFailure / WorkflowFailedError. */
export function rootCauseMessage(error: unknown): string {
  let current = error as { message?: string; cause?: unknown } | undefined;
  while (current?.cause) current = current.cause as typeof current;
  return current?.message ?? String(error);
}

/** The root cause on one line, bounded, for a timeline note or a log field (no stack, no code frame). */
export function causeInBrief(error: unknown, max = 300): string {
  return rootCauseMessage(error).replace(/\s+/g, ' ').trim().slice(0, max);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One line, bounded: stack-like details and long server messages stay in the logs. */
export function firstLine(text: string, max = 300): string {
  return text.split('\n')[0].slice(0, max);
}
