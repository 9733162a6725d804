// Owns making a file's contents, or a directory's entries (a rename), durable: fsync through a fresh descriptor.
import { closeSync, fsyncSync, openSync } from 'node:fs';

/** fsync of the file or directory at `path`; a rename is durable only once its directory is synced. */
export function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
