/**
 * The i18n layer: every string on screen goes through `i18n.t`. Messages are
 * plain typed objects (a missing translation is a type error). English ships
 * with the first screen; each other language is its own chunk (precached by
 * the service worker, so it loads offline in a moment), fetched when chosen:
 * a tablet does not parse three languages before it can show its lock screen.
 * Until a language has arrived its words are shown in English.
 * Numbers and dates are formatted with Intl in the chosen locale.
 */
import { en, type MessageKey, type Messages } from './en';

export const LOCALES = {
  en: { name: 'English' },
  fr: { name: 'Français' },
  sw: { name: 'Kiswahili' },
} as const satisfies Record<string, { name: string }>;

const LOADERS: Readonly<Record<Exclude<Locale, 'en'>, () => Promise<Messages>>> = {
  fr: () => import('./fr').then((module) => module.fr),
  sw: () => import('./sw').then((module) => module.sw),
};

export type Locale = keyof typeof LOCALES;
export type Params = Readonly<Record<string, string | number>>;

const STORAGE_KEY = 'outpost.locale';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && Object.hasOwn(LOCALES, value);
}

/** Keys that have plural forms: `x.one` and `x.other` both exist. */
type PluralBase<K extends string> = K extends `${infer Base}.other` ? Base : never;
export type PluralKey = PluralBase<MessageKey>;

export function interpolate(template: string, params: Params | undefined): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : match,
  );
}

export class I18n {
  locale = $state<Locale>('en');
  /** The languages whose messages have arrived (replaced whole: screens re-render). */
  #messages = $state.raw<Partial<Record<Locale, Messages>>>({ en });
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping; `#messages` is the state
  #loading = new Map<Locale, Promise<void>>();

  /** Loads a language's messages (once); resolves when `t` speaks it. */
  load(locale: Locale): Promise<void> {
    if (locale === 'en' || this.#messages[locale] !== undefined) return Promise.resolve();
    let loading = this.#loading.get(locale);
    if (loading === undefined) {
      loading = LOADERS[locale]().then(
        (messages) => {
          this.#messages = { ...this.#messages, [locale]: messages };
        },
        (error: unknown) => {
          this.#loading.delete(locale); // tried again at the next choice
          console.error(`messages for ${locale} did not load`, error);
        },
      );
      this.#loading.set(locale, loading);
    }
    return loading;
  }

  /** Restores the locale chosen on this tablet (per user once sign-in exists). */
  restore(): void {
    try {
      const saved = localStorage.getItem(STORAGE_KEY);
      if (isLocale(saved)) this.locale = saved;
    } catch {
      // Storage unavailable (private mode): stay with the default.
    }
    void this.load(this.locale);
    document.documentElement.lang = this.locale;
  }

  setLocale(locale: Locale): void {
    this.locale = locale;
    void this.load(locale);
    document.documentElement.lang = locale;
    try {
      localStorage.setItem(STORAGE_KEY, locale);
    } catch {
      // Not persisted; the choice still holds for this session.
    }
  }

  t = (key: MessageKey, params?: Params): string =>
    interpolate((this.#messages[this.locale] ?? en)[key], params);

  /** A plural message: `count` chooses `.one` or `.other` and is available as {count}. */
  plural = (key: PluralKey, count: number, params?: Params): string => {
    const form = new Intl.PluralRules(this.locale).select(count) === 'one' ? 'one' : 'other';
    const formatted = this.number(count);
    return this.t(`${key}.${form}` as MessageKey, { ...params, count: formatted });
  };

  // Creating an Intl formatter costs far more than using one (a list of 50
  // patients formats hundreds of numbers per keystroke): keep them per locale.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a cache, not state
  #formats = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

  #format<F extends Intl.NumberFormat | Intl.DateTimeFormat>(
    kind: 'n' | 'd',
    options: object | undefined,
    make: () => F,
  ): F {
    const key = `${this.locale}|${kind}|${options ? JSON.stringify(options) : ''}`;
    let format = this.#formats.get(key) as F | undefined;
    if (format === undefined) {
      format = make();
      this.#formats.set(key, format);
    }
    return format;
  }

  number = (value: number, options?: Intl.NumberFormatOptions): string =>
    this.#format('n', options, () => new Intl.NumberFormat(this.locale, options)).format(value);

  date = (
    value: number | Date,
    options: Intl.DateTimeFormatOptions = { dateStyle: 'medium' },
  ): string =>
    this.#format('d', options, () => new Intl.DateTimeFormat(this.locale, options)).format(value);

  dateTime = (value: number | Date): string =>
    this.date(value, { dateStyle: 'medium', timeStyle: 'short' });

  /** "5 minutes ago", "in 2 days" */
  relative = (thenMs: number, nowMs: number): string => {
    // A time a little ahead of "now" (another clock, a stale tick) reads as "now".
    const seconds = Math.min(0, Math.round((thenMs - nowMs) / 1000));
    const format = new Intl.RelativeTimeFormat(this.locale, { numeric: 'auto' });
    const abs = Math.abs(seconds);
    if (abs < 60) return format.format(seconds, 'second');
    if (abs < 3600) return format.format(Math.round(seconds / 60), 'minute');
    if (abs < 86_400) return format.format(Math.round(seconds / 3600), 'hour');
    return format.format(Math.round(seconds / 86_400), 'day');
  };

  bytes = (count: number): string => {
    if (count < 1024) return `${this.number(count)} B`;
    if (count < 1024 * 1024) return `${this.number(count / 1024, { maximumFractionDigits: 1 })} KB`;
    return `${this.number(count / (1024 * 1024), { maximumFractionDigits: 1 })} MB`;
  };
}

export const i18n = new I18n();
