import os from 'node:os';
import { ARCHIVED_BYTES_PER_ORDER, BYTES_PER_ORDER, checkDiskFor, NotEnoughDiskError } from '../../src/dev/dataset/generate-dataset';

describe('the dataset generator checks the disk first', () => {
  it('refuses a dataset that would not fit, saying how much it needs and has', () => {
    let error: unknown;
    try {
      checkDiskFor(1e12, os.tmpdir());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NotEnoughDiskError);
    expect((error as Error).message).toMatch(
      /^1,000,000,000,000 orders need about [\d.]+ GiB free at .+, and [\d.]+ GiB is: generate fewer \(--orders\) or free some space$/,
    );
  });

  it('lets one that fits go ahead, with its estimate', () => {
    const { neededBytes, freeBytes } = checkDiskFor(1000, os.tmpdir());
    expect(neededBytes).toBeGreaterThan(1000 * BYTES_PER_ORDER);
    expect(freeBytes).toBeGreaterThan(neededBytes);
  });

  it('counts the archive in when the history is to be archived', () => {
    const plain = checkDiskFor(1000, os.tmpdir()).neededBytes;
    expect(checkDiskFor(1000, os.tmpdir(), { archiving: true }).neededBytes - plain).toBe(1000 * ARCHIVED_BYTES_PER_ORDER);
  });
});
