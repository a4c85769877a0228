import type { Email } from '../../domain/email.value-object';
import { User, UserSnapshot } from '../../domain/user.aggregate';
import { EmailTakenError } from '../../domain/user.errors';
import { isUserId } from '../../domain/user-id';
import { UserRepository, UserSlice, UserVersionConflictError } from '../../domain/user.repository';
import type { OutgoingIntegrationEvent } from '@tessera/shared-kernel';

/**
 * A UserRepository for tests that keeps the promises of the real one: it
 * stores copies (never the aggregate itself), keeps emails unique, and saves
 * an update only at the version it was read at, and keeps the events of a
 * change in `outbox` only when the change is stored.
 */
export class InMemoryUserRepository implements UserRepository {
  private readonly rows = new Map<string, UserSnapshot>();
  /** The events stored with changes, as they would leave the outbox (through JSON). */
  readonly outbox: { pattern: string; payload: unknown }[] = [];
  private readonly interleavedWrites: (() => Promise<void>)[] = [];
  private interleaving = false;

  async findById(id: string): Promise<User | null> {
    if (!isUserId(id)) return null;
    const row = this.rows.get(id.toLowerCase());
    return row ? User.reconstitute({ ...row }) : null;
  }

  async findByEmail(email: Email): Promise<User | null> {
    const row = [...this.rows.values()].find((candidate) => candidate.email === email.value);
    return row ? User.reconstitute({ ...row }) : null;
  }

  async list(offset: number, limit: number): Promise<UserSlice> {
    const ordered = [...this.rows.values()].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { users: ordered.slice(offset, offset + limit).map((row) => User.reconstitute({ ...row })), total: ordered.length };
  }

  async insert(user: User, events: readonly OutgoingIntegrationEvent[] = []): Promise<void> {
    const row = user.toSnapshot();
    if (this.rows.has(row.id)) throw new Error(`Duplicate user id ${row.id}`);
    this.assertEmailFree(row);
    this.rows.set(row.id, row);
    this.keep(events);
  }

  async update(user: User, events: readonly OutgoingIntegrationEvent[] = []): Promise<void> {
    await this.runInterleavedWrite();
    const row = user.toSnapshot();
    const stored = this.rows.get(row.id);
    if (!stored || stored.version !== row.version) throw new UserVersionConflictError(row.id);
    this.assertEmailFree(row);
    this.rows.set(row.id, { ...row, version: stored.version + 1 });
    this.keep(events);
  }

  /** The patterns of the events kept so far, oldest first. */
  outboxPatterns(): string[] {
    return this.outbox.map((event) => event.pattern);
  }

  private keep(events: readonly OutgoingIntegrationEvent[]): void {
    for (const event of events) this.outbox.push({ pattern: event.pattern, payload: JSON.parse(JSON.stringify(event.payload)) });
  }

  /**
   * Runs `write` at the start of the next update, before its version check,
   * as another request saving the same user in between would. Updates made by
   * `write` itself run undisturbed.
   */
  interleaveBeforeNextUpdate(write: () => Promise<unknown>): void {
    this.interleavedWrites.push(async () => void (await write()));
  }

  /** What is stored for a user, for assertions. */
  stored(id: string): UserSnapshot | undefined {
    const row = this.rows.get(id);
    return row && { ...row };
  }

  count(): number {
    return this.rows.size;
  }

  private async runInterleavedWrite(): Promise<void> {
    if (this.interleaving) return;
    const write = this.interleavedWrites.shift();
    if (!write) return;
    this.interleaving = true;
    try {
      await write();
    } finally {
      this.interleaving = false;
    }
  }

  private assertEmailFree(row: UserSnapshot): void {
    for (const other of this.rows.values()) {
      if (other.id !== row.id && other.email === row.email) throw new EmailTakenError();
    }
  }
}
