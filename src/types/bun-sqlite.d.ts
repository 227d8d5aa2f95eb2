// The part of Bun's built-in SQLite driver that src/store/sqlite-driver.ts uses. Declared here so
// type checking does not need Bun's type package; the module exists only when Bun runs the code.
declare module 'bun:sqlite' {
  export class Statement {
    all(...params: unknown[]): unknown[];
    get(...params: unknown[]): unknown;
    run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
    readonly columnNames: string[];
  }
  export class Database {
    constructor(filename: string, options?: { create?: boolean; readonly?: boolean; readwrite?: boolean });
    exec(sql: string): void;
    prepare(sql: string): Statement;
    readonly inTransaction: boolean;
    close(): void;
  }
}
