/** The links an {@link IdleList} keeps in each of its nodes. */
export interface IdleLinks<T> {
  idlePrev: T | null;
  idleNext: T | null;
}

/**
 * An intrusive doubly linked list ordered by last activity, least recent first: a rule's
 * groups that may be evicted, so that making room past the group cap takes the least
 * recently active one in O(1) instead of scanning every group. The links live in the
 * nodes, so moving a node to the back on each event allocates nothing.
 */
export class IdleList<T extends IdleLinks<T>> {
  private head: T | null = null;
  private tail: T | null = null;

  /** The least recently active node, or null when the list is empty. */
  first(): T | null {
    return this.head;
  }

  /** True when the node is in this list (nodes belong to one list at most). */
  has(node: T): boolean {
    return node.idlePrev !== null || this.head === node;
  }

  /** Puts the node at the back (most recent), moving it there if it is already in the list. */
  touch(node: T): void {
    if (this.tail === node) return;
    if (this.has(node)) this.remove(node);
    node.idlePrev = this.tail;
    node.idleNext = null;
    if (this.tail === null) this.head = node;
    else this.tail.idleNext = node;
    this.tail = node;
  }

  /** Takes the node out of the list; a node not in it is left alone. */
  remove(node: T): void {
    if (!this.has(node)) return;
    const { idlePrev: prev, idleNext: next } = node;
    if (prev === null) this.head = next;
    else prev.idleNext = next;
    if (next === null) this.tail = prev;
    else next.idlePrev = prev;
    node.idlePrev = null;
    node.idleNext = null;
  }
}
