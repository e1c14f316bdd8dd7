/**
 * How bad one finding of a validation rule is. Apart from the rules, so that the inputs that
 * expose it to GraphQL and the rules that assign it import it without importing each other.
 */
export enum IssueSeverity {
  /** The settings cannot be saved: createClient / updateClient answer BAD_USER_INPUT. */
  ERROR = 'ERROR',
  /** Allowed, but against a recommendation; reported by validateClientSettings only. */
  WARNING = 'WARNING',
}
