// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
  namespace App {
    interface PageState {
      /** Set when arriving right after a save, to say "Saved". */
      saved?: boolean;
    }
    interface Error {
      message: string;
      code?: string;
    }
  }
}

export {};
