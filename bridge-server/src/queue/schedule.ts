/** Fair scheduling across clients: the client served least recently goes next (round-robin), FIFO within a client. */

/** Per-client FIFO lanes plus when each client was last served. */
export class FairSchedule<T> {
  readonly #lanes = new Map<string, T[]>();
  readonly #lastServed = new Map<string, number>();
  #tick = 0;

  /** Appends an item to a client's lane; returns how many queued items will be taken before it. */
  push(clientId: string, item: T): number {
    let lane = this.#lanes.get(clientId);
    if (!lane) this.#lanes.set(clientId, (lane = []));
    lane.push(item);
    return this.#ahead(clientId, lane.length - 1);
  }

  /** Takes the next item: the head of the lane of the client served least recently (never-served clients first). */
  take(): { clientId: string; item: T } | undefined {
    const clientId = this.#order()[0];
    if (clientId === undefined) return undefined;
    const lane = this.#lanes.get(clientId)!;
    const item = lane.shift()!;
    if (lane.length === 0) this.#lanes.delete(clientId);
    this.#lastServed.set(clientId, ++this.#tick);
    return { clientId, item };
  }

  /** Removes the first item of a client's lane matching the predicate; returns it. */
  remove(clientId: string, match: (item: T) => boolean): T | undefined {
    const lane = this.#lanes.get(clientId);
    const index = lane ? lane.findIndex(match) : -1;
    if (!lane || index < 0) return undefined;
    const [item] = lane.splice(index, 1);
    if (lane.length === 0) this.#lanes.delete(clientId);
    return item;
  }

  /** Removes and returns all of a client's queued items. */
  drain(clientId: string): T[] {
    const lane = this.#lanes.get(clientId) ?? [];
    this.#lanes.delete(clientId);
    return lane;
  }

  /** Forgets when a client was last served (call once it has nothing queued or running). */
  forget(clientId: string): void {
    if (!this.#lanes.has(clientId)) this.#lastServed.delete(clientId);
  }

  /** Items queued for one client. */
  count(clientId: string): number {
    return this.#lanes.get(clientId)?.length ?? 0;
  }

  /** Items queued in all. */
  get size(): number {
    let total = 0;
    for (const lane of this.#lanes.values()) total += lane.length;
    return total;
  }

  /** Clients with queued items, in the order they will be served next. */
  #order(): string[] {
    const served = (id: string): number => this.#lastServed.get(id) ?? 0;
    return [...this.#lanes.keys()].sort((a, b) => served(a) - served(b));
  }

  /** Items taken before the item at `index` of a client's lane: each round serves every lane once, in `#order`. */
  #ahead(clientId: string, index: number): number {
    const order = this.#order();
    const rank = order.indexOf(clientId);
    let ahead = index;
    order.forEach((other, i) => {
      if (other === clientId) return;
      const length = this.#lanes.get(other)!.length;
      ahead += Math.min(length, index + (i < rank ? 1 : 0));
    });
    return ahead;
  }
}
