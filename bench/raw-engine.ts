// The raw-engine side of the comparison: the same rows and questions, without Tally in between.
import type { Dataset } from './dataset.js';
import type { DashboardCase } from './workload.js';

export interface RawEngine {
  readonly name: string;
  /** Appends the dataset's events and both meters' rows, one commit/insert per `batch` events. */
  ingest(d: Dataset, tag: string, batch: number): Promise<void>;
  /** Brings the data into the layout the server's store reaches once idle (not timed as ingest). */
  settle?(): Promise<void>;
  /** Returns the grand total of the answer (the signature compared with the other sides). */
  dashboard(c: DashboardCase): Promise<number>;
  monthlySum(): Promise<number[]>;
  monthlyActive(): Promise<number[]>;
  diskBytes(): Promise<number>;
  close(): Promise<void>;
}
