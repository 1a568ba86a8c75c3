// A schema migration: each store keeps its own list, applied in order of
// version, each exactly once.
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
