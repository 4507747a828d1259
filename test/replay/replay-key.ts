// Test-only payload key for the recorded histories: committed on purpose, never used outside tests.
export const REPLAY_KEY_ID = 'replay-test';
export const REPLAY_KEY_HEX = '5265706c61792d746573742d6f6e6c792d6b65792d6e6f742d612d7365637265';
export const replayCodecKeys = () => [{ id: REPLAY_KEY_ID, key: Buffer.from(REPLAY_KEY_HEX, 'hex') }];
