import bcrypt from "bcryptjs";

/** bcrypt cost 11: about 0.1 s per hash here, slow enough to hurt guessing, fast enough to sign in. */
const COST = 11;
export const MIN_PASSWORD_LENGTH = 10;

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, COST);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

/** Compared against when the email is unknown, so a wrong email costs as long as a wrong password. */
export const DUMMY_HASH = "$2b$11$C6UzMDM.H6dfI/f/IKcEeO5eLS8m0yN0yC4wW6hYwE4w1mQF1m9y.";
