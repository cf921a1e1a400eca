/**
 * The urgency radios of "Ask a specialist". The score sets a floor
 * (`scorePriorityFloor`): options below it are disabled, and the checked option
 * is always the priority the consult will carry — the health worker's own
 * choice raised to the floor. A floor that rises above her choice moves the
 * checked option up with it; a higher choice of hers stays; and if the floor
 * falls again (a vital sign corrected), her own choice is checked again, not
 * the floor she never chose.
 */
import { PRIORITY_RANK, higherPriority } from '@outpost/shared/consult';
import type { ConsultPriority } from '@outpost/shared/model';

export class UrgencyChoice {
  /** What the health worker chose herself (routine until she chooses). */
  chosen = $state<ConsultPriority>('routine');
  readonly #floor: () => ConsultPriority;
  /** The option shown checked: the priority the consult will carry. */
  readonly checked = $derived.by(() => higherPriority(this.#floor(), this.chosen));

  /** `floor` is read reactively (the page's derived score floor). */
  constructor(floor: () => ConsultPriority) {
    this.#floor = floor;
  }

  disabled(option: ConsultPriority): boolean {
    return PRIORITY_RANK[option] < PRIORITY_RANK[this.#floor()];
  }

  choose(option: ConsultPriority): void {
    if (!this.disabled(option)) this.chosen = option;
  }
}
