// Lets the soak pause its writers and readers (while it restarts the server and checks totals)
// and wait until every request they had in flight has come back.

export class Gate {
  private opened: Promise<void> | undefined;
  private release: (() => void) | undefined;
  private inFlight = 0;
  private idle: Array<() => void> = [];

  /** Waits while the gate is closed, then counts the caller in. */
  async enter(): Promise<void> {
    while (this.opened) await this.opened;
    this.inFlight += 1;
  }

  leave(): void {
    this.inFlight -= 1;
    if (this.inFlight === 0) for (const done of this.idle.splice(0)) done();
  }

  /** Closes the gate and resolves once nothing is in flight. */
  async close(): Promise<void> {
    if (!this.opened) this.opened = new Promise((resolve) => (this.release = resolve));
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  open(): void {
    const release = this.release;
    this.opened = undefined;
    this.release = undefined;
    release?.();
  }
}
