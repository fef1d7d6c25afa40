import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";
import * as english from "@zxcvbn-ts/language-en";

/** At least this long (NIST SP 800-63B allows 8; an accountable system of record asks for more). */
export const PASSWORD_MIN_LENGTH = 12;
/** zxcvbn's score (0–4) a password must reach: 3 = "safely unguessable: moderate protection from offline slow-hash attacks". */
export const PASSWORD_MIN_SCORE = 3;

let checker: ZxcvbnFactory | null = null;
/** Built on first use: the dictionaries (common and breached passwords, names, words) take ~0.1 s to load. */
const zxcvbn = () =>
  (checker ??= new ZxcvbnFactory({
    translations: english.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...english.dictionary },
  }));

/**
 * Why a password is not acceptable for this account, or null: shorter than PASSWORD_MIN_LENGTH, built
 * on the username or name, or guessable by zxcvbn-ts (common and breached-list passwords, dictionary
 * words, keyboard patterns, repeats, dates) below PASSWORD_MIN_SCORE. The message never repeats it.
 */
export function passwordProblem(password: string, account: { username: string; name?: string | undefined }): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  const lower = password.toLowerCase();
  if (account.username.length >= 3 && lower.includes(account.username.toLowerCase())) return "must not contain the username";
  const result = zxcvbn().check(password, [account.username, ...(account.name ? account.name.split(/\s+/) : []), "escalate"]);
  if (result.score >= PASSWORD_MIN_SCORE) return null;
  const why = [result.feedback.warning, ...result.feedback.suggestions].filter(Boolean).join(" ");
  return `is too easy to guess${why ? `: ${why}` : ""}`;
}
