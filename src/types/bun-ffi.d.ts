// The part of Bun's `bun:ffi` module that src/host (bun-libc.ts, bun-spawn.ts) and src/os/bun-fs.ts
// use (the project does not depend on bun-types; Bun's own documentation is the reference for these
// shapes).
declare module 'bun:ffi' {
  export const FFIType: {
    readonly i32: number;
    readonly i64: number;
    readonly u32: number;
    readonly u64: number;
    readonly ptr: number;
    readonly void: number;
  };
  /** A type is an FFIType number or its name ('i32', 'ptr', ...). */
  export interface FFIFunction {
    readonly args: readonly (number | string)[];
    readonly returns: number | string;
  }
  // biome-ignore lint/suspicious/noExplicitAny: foreign functions take and return what their signature says.
  export type Symbols = Record<string, (...args: any[]) => any>;
  export function dlopen(path: string, symbols: Record<string, FFIFunction>): { symbols: Symbols; close(): void };
  export const read: { i32(pointer: number, byteOffset?: number): number };
  /** The address of a typed array's first byte (valid while the array is referenced). */
  export function ptr(view: ArrayBufferView, byteOffset?: number): number;
}
