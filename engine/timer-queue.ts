/**
 * A binary min-heap of timers ordered by due time, then by insertion order, so timers due
 * at the same millisecond fire in the order they were set: replay stays deterministic.
 */

interface Timer {
  due: number;
  seq: number;
  fire: (() => void) | null;
}

/** Priority queue of pending timers; cancel is O(1) (the entry is skipped when popped). */
export class TimerQueue {
  private readonly heap: Timer[] = [];
  private seq = 0;
  private live = 0;

  /** Number of timers not yet fired nor cancelled. */
  get size(): number {
    return this.live;
  }

  /** Adds a timer; returns its cancel function. */
  push(due: number, fire: () => void): () => void {
    const timer = this.insert(due, fire);
    return () => {
      if (timer.fire !== null) {
        timer.fire = null;
        this.live--;
      }
    };
  }

  /** Adds a timer that is never cancelled: no cancel closure is made (hot paths). */
  add(due: number, fire: () => void): void {
    this.insert(due, fire);
  }

  private insert(due: number, fire: () => void): Timer {
    const timer: Timer = { due, seq: this.seq++, fire };
    this.heap.push(timer);
    this.up(this.heap.length - 1);
    this.live++;
    return timer;
  }

  /** Due time of the earliest live timer, or undefined when none. */
  peekDue(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.due;
  }

  /** Removes and returns the earliest live timer's callback if it is due at or before `time`. */
  popDue(time: number): { due: number; fire: () => void } | undefined {
    this.dropCancelled();
    const top = this.heap[0];
    if (top === undefined || top.due > time) return undefined;
    this.pop();
    const fire = top.fire as () => void;
    top.fire = null;
    this.live--;
    return { due: top.due, fire };
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.fire === null) this.pop();
  }

  private pop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
  }

  private less(a: Timer, b: Timer): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private up(i: number): void {
    const heap = this.heap;
    const item = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(item, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = item;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.less(heap[child + 1]!, heap[child]!)) child++;
      if (!this.less(heap[child]!, item)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = item;
  }
}
