import { ConfigError } from './config';
import { DependencyError } from './db/errors';
import { CardKeyMismatchError } from './crypto/verify-card-key';

/** Runs a command-line entry point; known start-up failures print their message, not a stack. */
export function runCli(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error) => {
      reportFatal(error);
      process.exit(1);
    },
  );
}

export function reportFatal(error: unknown): void {
  if (error instanceof ConfigError || error instanceof DependencyError || error instanceof CardKeyMismatchError) {
    console.error(`\n✖ ${error.message}\n`);
  } else {
    console.error(error);
  }
}
