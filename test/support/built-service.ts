import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The real entry point, `node dist/src/main.js`, built from this tree into a temp dir (so a
 * developer's own dist/ is left alone) and run as real child processes.
 */
const ROOT = resolve(__dirname, '..', '..');

export interface ServiceRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface BuiltService {
  dir: string;
  main: string;
  start(env: Record<string, string>): ServiceRun;
  /** SIGKILLs every child still running, then removes the build. */
  cleanup(): Promise<void>;
}

export async function buildService(prefix = 'mk-built-'): Promise<BuiltService> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const main = join(dir, 'dist', 'src', 'main.js');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await new Promise<void>((done, fail) => {
    execFile(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(ROOT, 'tsconfig.build.json'),
        '--outDir',
        join(dir, 'dist'),
        // Emit only: type errors are the type check's business, and skipping it halves the build.
        '--noCheck',
      ],
      { cwd: ROOT },
      () => (existsSync(main) ? done() : fail(new Error('build produced no dist/src/main.js'))),
    );
  });

  const runs: ServiceRun[] = [];
  // A jest worker that dies must not leave a worker process delivering behind it.
  const killAll = () => {
    for (const r of runs)
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  };
  process.once('exit', killAll);

  return {
    dir,
    main,
    start(env) {
      const child = spawn(process.execPath, [main], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, LOG_LEVEL: 'warn', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (err += d));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
        child.on('exit', (code, signal) => r({ code, signal })),
      );
      const run = { child, stdout: () => out, stderr: () => err, exited };
      runs.push(run);
      return run;
    },
    async cleanup() {
      killAll();
      process.removeListener('exit', killAll);
      await Promise.all(runs.map((r) => r.exited));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
