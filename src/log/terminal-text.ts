// Text from outside (a config file's words, a hostname a program asked for, a URL) is printed
// on the user's terminal: a control character in it could move the cursor, retitle the window,
// rewrite earlier lines or hide the rest. Every line sockswrap writes to stderr goes through
// escapeControl() once, at the writer (logger.ts, cli/main.ts), so no caller needs to remember.

// C0 controls, DEL, C1 controls, and the Unicode controls that reorder or hide text
// (bidirectional overrides and isolates, zero-width characters, line/paragraph separators).
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** The text with every control character written as an escape (\n, \x1b, \u202e). */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    const named = NAMED[c];
    if (named !== undefined) return named;
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
