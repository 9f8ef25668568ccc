import { z } from "zod";

/**
 * Runs in the browser before the console's own code. The pages' Content-Security-Policy forbids
 * eval (lib/http/security-headers.ts); zod compiles object parsers with `new Function` where it
 * can, and even its probe for that, caught as it is, is reported as a violation. In the browser
 * it parses without compiling, which for forms costs nothing noticeable.
 */
z.config({ jitless: true });
