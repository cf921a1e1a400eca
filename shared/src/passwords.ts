/**
 * The password policy both ends apply: the server refuses what breaks it, and
 * the tablet says so before sending (so a health worker offline learns the
 * rule at once, not at the next sync). One definition, so they cannot drift.
 *
 * Length only, no composition rules: NIST SP 800-63B §5.1.1.2 (2017) asks for
 * at least 8 characters and at most 64+ allowed, and no composition rules;
 * we ask for 10 because these accounts unlock health records on shared tablets.
 */
export const MIN_PASSWORD_LENGTH = 10;
/** Longer passwords are refused before hashing (a 1 MB password is a DoS, not a password). */
export const MAX_PASSWORD_LENGTH = 256;
