// Placeholder until the ClickHouse raw side lands.
import type { RawEngine } from './raw-engine.js';

export const RawClickHouse = {
  open(_url: string, _db: string): Promise<RawEngine> {
    return Promise.reject(new Error('not yet'));
  },
};

export function clickhouseDatabaseBytes(_url: string, _db: string): Promise<number> {
  return Promise.reject(new Error('not yet'));
}
