/**
 * A log-writing process for the file tail tests: appends logfmt lines `seq=N writer=w ...`
 * to a file, numbered from `--from`, a few lines per write(2) so that a kill -9 never
 * leaves half a line, and obeys commands on standard input, one per line:
 *
 *   pause           stop writing; answers `paused <last seq>`
 *   resume          write again
 *   rotate-rename   rename the file to the next free `<file>.<n>` and go on in a new file (logrotate's `create`)
 *   copytruncate    copy the file to the next free `<file>.<n>`, then truncate it to 0 (logrotate's `copytruncate`)
 *
 * Each rotation answers `rotated <last seq>`. Run it with `startLogWriter`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, ftruncateSync, openSync, renameSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { trackChild } from './children.js';

const LINES_PER_WRITE = 20;

function main(file: string, from: number): void {
  let fd = openSync(file, 'a');
  let seq = from - 1;
  let paused = false;
  // The next free `<file>.<n>`: a writer started after another keeps its rotated files.
  const rotated = (): string => {
    let n = 1;
    while (existsSync(`${file}.${n}`)) n++;
    return `${file}.${n}`;
  };
  const pad = 'x'.repeat(60);
  let timer: NodeJS.Timeout | undefined;
  // One chain of writes at a time, however pause and resume interleave.
  const schedule = (): void => {
    timer ??= setTimeout(() => {
      timer = undefined;
      write();
    }, 2);
  };
  const write = (): void => {
    if (paused) return;
    const lines: string[] = [];
    for (let i = 0; i < LINES_PER_WRITE; i++) lines.push(`seq=${++seq} writer=w pid=${process.pid} pad=${pad}\n`);
    writeSync(fd, lines.join(''));
    schedule();
  };
  createInterface({ input: process.stdin }).on('line', (command) => {
    if (command === 'pause') {
      paused = true;
      process.stdout.write(`paused ${seq}\n`);
    } else if (command === 'resume') {
      paused = false;
      schedule();
    } else if (command === 'rotate-rename') {
      renameSync(file, rotated());
      closeSync(fd);
      fd = openSync(file, 'a');
      process.stdout.write(`rotated ${seq}\n`);
    } else if (command === 'copytruncate') {
      copyFileSync(file, rotated());
      ftruncateSync(fd, 0);
      process.stdout.write(`rotated ${seq}\n`);
    }
  });
  schedule();
}

/** A running writer: send it commands, read its answers, kill it. */
export interface LogWriter {
  readonly child: ChildProcess;
  /** Sends a command and waits for its one-line answer (`pause`, `rotate-rename`, `copytruncate`). */
  command(command: 'pause' | 'rotate-rename' | 'copytruncate'): Promise<string>;
  /** Sends `resume` (it has no answer). */
  resume(): void;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
}

/** Starts a writer appending to `file` from sequence number `from`. */
export function startLogWriter(file: string, from: number): LogWriter {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), file, String(from)], { stdio: ['pipe', 'pipe', 'inherit'] });
  trackChild(child);
  const answers: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const next = waiting.shift();
    if (next !== undefined) next(line);
    else answers.push(line);
  });
  const exited = once(child, 'exit');
  return {
    child,
    command(command) {
      child.stdin!.write(`${command}\n`);
      const ready = answers.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise((resolve) => waiting.push(resolve));
    },
    resume() {
      child.stdin!.write('resume\n');
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv[2]!, Number(process.argv[3]));
