// Runs an async tick every `everyMs` while on: the next waits for the last (no overlapping calls),
// and a hidden tab polls nothing until it is shown again.
export class Poller {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private on = false;
  private readonly onVisibility = (): void => {
    if (!document.hidden) this.schedule(0);
  };

  constructor(
    private readonly tick: () => Promise<void>,
    private readonly everyMs: number,
  ) {
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  get active(): boolean {
    return this.on;
  }

  /** The first tick runs at once. */
  start(): void {
    if (this.on) return;
    this.on = true;
    this.schedule(0);
  }

  /** A tick in flight finishes, but no other starts. */
  stop(): void {
    this.on = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  destroy(): void {
    this.stop();
    document.removeEventListener('visibilitychange', this.onVisibility);
  }

  private schedule(ms: number): void {
    if (!this.on || document.hidden || this.running || this.timer !== null) return;
    this.timer = setTimeout(() => void this.run(), ms);
  }

  private async run(): Promise<void> {
    this.timer = null;
    if (!this.on) return;
    this.running = true;
    try {
      await this.tick();
    } catch {
      // The tick reports its own errors; a throw must not end the polling.
    } finally {
      this.running = false;
    }
    this.schedule(this.everyMs);
  }
}
