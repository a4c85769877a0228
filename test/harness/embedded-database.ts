import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';

/**
 * A fresh in-memory embedded database, served as the application serves its
 * own (PGlite behind a unix socket, in embedded-database-server.js, a process
 * of its own since PGlite cannot load inside jest), and a DataSource on it
 * set up as the application's is: one connection, no named prepared
 * statements. `drop` closes both, and the database is gone.
 */
export async function startEmbeddedTestDatabase(): Promise<{ dataSource: DataSource; drop: () => Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'tessera-embedded-test-'));
  const server = spawn(process.execPath, [join(__dirname, 'embedded-database-server.js'), folder], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('ready')) resolve();
      });
      server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      server.once('exit', (code) => reject(new Error(`The embedded database exited (${code}) before it was ready:\n${output}`)));
    });
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  const dataSource = await new DataSource({
    type: 'postgres',
    host: folder,
    port: 5432,
    username: 'postgres',
    database: 'postgres',
    extra: { max: 1, preparedStatements: false },
  }).initialize();
  return {
    dataSource,
    drop: async () => {
      await dataSource.destroy();
      server.stdin!.end();
      await exited;
      await rm(folder, { recursive: true, force: true });
    },
  };
}
