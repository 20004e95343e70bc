/**
 * A configuration or proxy-URL error. `message` already carries the position
 * ("file:line: what"), so whoever prints only err.message still tells the user where;
 * `detail` is the bare text for callers that format positions themselves.
 */
export class ConfigError extends Error {
  readonly detail: string;

  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(ConfigError.locate(message, file, line));
    this.name = 'ConfigError';
    this.detail = message;
  }

  override toString(): string {
    return this.message;
  }

  private static locate(message: string, file?: string, line?: number): string {
    if (file !== undefined && line !== undefined) return `${file}:${line}: ${message}`;
    if (file !== undefined) return `${file}: ${message}`;
    return message;
  }
}
