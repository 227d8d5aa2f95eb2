// Bun's synchronous loader on import.meta (src/os/fs.ts uses it; under Node it is undefined).
interface ImportMeta {
  readonly require: (id: string) => unknown;
}
