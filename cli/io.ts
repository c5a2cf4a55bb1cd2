/**
 * Output for the `vigil` commands: written through the stream's buffer and flushed before
 * the process exits, so piping a large replay loses nothing.
 */

/** Writes text to a stream and resolves once it has been handed to the OS. */
export function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

/** A line writer that batches small writes into larger chunks. */
export class LineWriter {
  private chunk: string[] = [];
  private size = 0;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  line(text: string): void {
    this.chunk.push(text);
    this.size += text.length + 1;
    if (this.size >= 65_536) void this.flushSync();
  }

  private flushSync(): void {
    if (this.chunk.length === 0) return;
    this.stream.write(this.chunk.join('\n') + '\n');
    this.chunk = [];
    this.size = 0;
  }

  /** Flushes what is buffered and waits until it is written. */
  async close(): Promise<void> {
    const text = this.chunk.length === 0 ? '' : this.chunk.join('\n') + '\n';
    this.chunk = [];
    this.size = 0;
    await write(this.stream, text);
  }
}
