/** The work-limit flags shared by commands that cost their work first (--max-memory, --max-time). */
import { ValidationError } from '../../util/errors.ts';

/** "4GB", "512MiB", "1e9": bytes (decimal and binary units both read as powers of 1024, as people mean them). */
export function parseByteSize(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*(k|m|g|t)?i?b?\s*$/i.exec(text);
  const units: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  const value = m ? Number(m[1]) * (m[2] ? units[m[2].toLowerCase()]! : 1) : Number.NaN;
  if (!(value > 0 && Number.isFinite(value))) throw new ValidationError(flag, text, 'a size in bytes, e.g. 4GB, 512MB or 1e9');
  return value;
}

export function parseSeconds(text: string, flag: string): number {
  const value = Number(text);
  if (!(value > 0 && Number.isFinite(value))) throw new ValidationError(flag, text, 'a number of seconds > 0');
  return value;
}

