/**
 * A test hook for the store's `holdRewrite` / `holdRollup` options: once armed, the next call
 * waits (inside its transaction) until released, so a test can act while it is open.
 */
export class Hold {
  /** True while a call waits in the hook. */
  held = false;
  entered: Promise<void> = Promise.resolve();
  private armed = false;
  private enter = () => {};
  private open = () => {};
  private released: Promise<void> = Promise.resolve();

  arm(): void {
    this.armed = true;
    this.entered = new Promise((r) => {
      this.enter = r;
    });
    this.released = new Promise((r) => {
      this.open = r;
    });
  }

  readonly hook = async (): Promise<void> => {
    if (!this.armed) return;
    this.armed = false;
    this.held = true;
    this.enter();
    await this.released;
    this.held = false;
  };

  release(): void {
    this.open();
  }
}
