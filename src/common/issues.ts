import type { FieldError } from './errors';

/**
 * The one shape every validation rule reports in (client rules, URI rules, the input bounds
 * of the decorators): validateClientSettings returns these as they are, and BAD_USER_INPUT
 * carries their ERROR ones as `fields` (fieldErrorsOf).
 */

export enum IssueSeverity {
  /** The input cannot be saved: the mutation answers BAD_USER_INPUT. */
  ERROR = 'ERROR',
  /** Allowed, but against a recommendation; reported by validateClientSettings only. */
  WARNING = 'WARNING',
}

/** One finding of a rule. */
export interface ValidationIssue {
  /** Dotted input path, relative to the argument (`redirectUris.2`, `defaultClient.scopes.0`). */
  path: string;
  /** Stable machine-readable code, one per rule (see CLIENT_RULES). */
  code: string;
  message: string;
  severity: IssueSeverity;
  /** The rule's source, e.g. "RFC 9700 §2.1". */
  reference: string;
}

/** What a rule finds before a catalogue gives it a severity and a source (a URI rule does not know its path either). */
export type Finding<Code extends string = string> = { code: Code; message: string };

/** A catalogue entry: how severe a rule's issues are and where the rule comes from. */
export interface Rule {
  severity: IssueSeverity;
  reference: string;
}

export const CLAVIS_VALIDATION = 'Clavis API: Validation';

/** The issue at `path` of the rule `code` of `catalogue`. */
export function issueOf<Code extends string>(catalogue: Readonly<Record<Code, Rule>>, code: Code, path: string, message: string): ValidationIssue {
  const { severity, reference } = catalogue[code];
  return { path, code, message, severity, reference };
}

/** What BAD_USER_INPUT reports: the ERROR issues, as `{ path, message }` field errors. */
export function fieldErrorsOf(issues: readonly ValidationIssue[]): FieldError[] {
  return issues.filter((issue) => issue.severity === IssueSeverity.ERROR).map(({ path, message }) => ({ path, message }));
}

/** The message of a finding, or null: what a service that only reports `fields` needs of a rule. */
export function messageOf(finding: Finding | null): string | null {
  return finding?.message ?? null;
}
