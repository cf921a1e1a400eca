import { SvelteSet } from 'svelte/reactivity';

/**
 * Which forms hold input the user has not saved yet. The app update prompt is
 * never shown while any does, so a reload can never throw typed work away.
 */
export class UnsavedInput {
  readonly #dirty = new SvelteSet<string>();

  get any(): boolean {
    return this.#dirty.size > 0;
  }

  mark(formId: string, dirty: boolean): void {
    if (dirty) this.#dirty.add(formId);
    else this.#dirty.delete(formId);
  }
}

export const unsavedInput = new UnsavedInput();
