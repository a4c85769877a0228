import { FSWatcher, statSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

// Kubernetes swaps a mounted ConfigMap by pointing its `..data` symlink at a new directory.
const KUBERNETES_SWAPPED_DIRECTORY = '..data';
// An editor or `kubectl` write comes as several events: one read after they settle.
const SETTLE_MS = 50;

/**
 * Tells `onChange` when the file at `path` may have changed: its directory is
 * watched, since a file replaced by a rename (editors' atomic saves, a
 * Kubernetes ConfigMap swap) is a new file a watch on the old one never hears
 * of, and its identity is polled as well, for file systems whose events do not
 * arrive (network and overlay mounts). It may call `onChange` when nothing
 * changed; the reader compares what it reads.
 */
export class ConfigFileWatcher {
  private directoryWatch?: FSWatcher;
  private poll?: NodeJS.Timeout;
  private settling?: NodeJS.Timeout;
  private lastIdentity: string;

  constructor(
    private readonly path: string,
    private readonly onChange: () => void,
    private readonly pollIntervalMs = 1000,
  ) {
    this.lastIdentity = this.identity();
  }

  start(): void {
    const name = basename(this.path);
    try {
      this.directoryWatch = watch(dirname(this.path), { persistent: false }, (_event, changed) => {
        if (!changed || changed === name || changed === KUBERNETES_SWAPPED_DIRECTORY) this.changedSoon();
      });
      this.directoryWatch.on('error', () => this.stopWatchingDirectory());
    } catch {
      // The poll alone then.
    }
    this.poll = setInterval(() => {
      const identity = this.identity();
      if (identity === this.lastIdentity) return;
      this.lastIdentity = identity;
      this.changedSoon();
    }, this.pollIntervalMs);
    this.poll.unref();
  }

  stop(): void {
    this.stopWatchingDirectory();
    clearInterval(this.poll);
    clearTimeout(this.settling);
  }

  private stopWatchingDirectory(): void {
    this.directoryWatch?.close();
    this.directoryWatch = undefined;
  }

  private changedSoon(): void {
    clearTimeout(this.settling);
    this.settling = setTimeout(() => this.onChange(), SETTLE_MS);
    this.settling.unref();
  }

  // Through the symlinks, so a swapped ConfigMap directory is a new inode.
  private identity(): string {
    try {
      const stat = statSync(this.path);
      return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      return 'absent';
    }
  }
}
