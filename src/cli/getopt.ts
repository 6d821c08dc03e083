/**
 * The command's words read as getopt reads them, before yargs sees them: an option that takes a
 * value takes the next word whatever it is (`-o -out.hdf5`, `--memory-limit -5GB`), or the rest
 * of its word (`-o-out.hdf5`, `--output=-out.hdf5`); a flag never takes a value, so the word
 * after it is an input (`--progress cube.fits`); an option nobody declared is an error naming
 * it, before the inputs are counted; `--` ends the options, and `-` alone is an input.
 *
 * The options are those declared to the yargs parser (read back from it, so that they are
 * declared once), and the words are handed on to it in one unambiguous form: `--name=value`
 * for values, `--name` / `--no-name` for flags, and the inputs after `--`.
 */
import { UsageError } from "./usage-error.js";

/** The options a parser knows: by every name (long and short), the option's own name and kind. */
export interface OptionTable {
  readonly byName: ReadonlyMap<string, { readonly name: string; readonly takesValue: boolean }>;
}

/** What yargs' `getOptions()` holds about the options declared (the part read here). */
interface DeclaredOptions {
  readonly key: Readonly<Record<string, unknown>>;
  readonly alias: Readonly<Record<string, readonly string[]>>;
  readonly boolean: readonly string[];
  readonly string: readonly string[];
  readonly array: readonly string[];
}

/** The options declared to a yargs parser (`.option(…)`, `.help()`, `.version()`, aliases). */
export function optionTable(parser: unknown): OptionTable {
  const declared = (parser as { getOptions(): DeclaredOptions }).getOptions();
  const byName = new Map<string, { name: string; takesValue: boolean }>();
  const booleans = new Set(declared.boolean);
  for (const name of Object.keys(declared.key)) {
    if (declared.alias[name] === undefined && Object.values(declared.alias).some((aliases) => aliases.includes(name))) continue;
    const entry = { name, takesValue: !booleans.has(name) };
    byName.set(name, entry);
    for (const alias of declared.alias[name] ?? []) byName.set(alias, entry);
  }
  return { byName };
}

function optionWord(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

/**
 * The words in the form yargs reads unambiguously, or a UsageError naming the first option that
 * is unknown, lacks its value or has one it cannot take. `seeHelp`: the command whose --help to
 * point at in the error.
 */
export function normalizeWords(argv: readonly string[], table: OptionTable, seeHelp: string): string[] {
  const options: string[] = [];
  const inputs: string[] = [];
  const unknown = (word: string): UsageError => new UsageError(`unknown option ${word} (see ${seeHelp} --help)`);
  const lookup = (name: string, written: string) => {
    const entry = table.byName.get(name);
    if (entry === undefined) throw unknown(written);
    return entry;
  };
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === "--") {
      inputs.push(...argv.slice(i + 1));
      break;
    }
    if (word === "-" || !word.startsWith("-")) {
      inputs.push(word);
      continue;
    }
    if (word.startsWith("--")) {
      const at = word.indexOf("=");
      const name = at < 0 ? word.slice(2) : word.slice(2, at);
      const written = `--${name}`;
      const negated = name.startsWith("no-") && !table.byName.has(name) ? table.byName.get(name.slice(3)) : undefined;
      if (negated !== undefined && !negated.takesValue) {
        if (at >= 0) throw new UsageError(`${written} takes no value`);
        options.push(`--no-${negated.name}`);
        continue;
      }
      const entry = lookup(name, written);
      if (!entry.takesValue) {
        // `--flag=true` / `--flag=false` as yargs took them; any other value is a mistake.
        const value = at < 0 ? "true" : word.slice(at + 1);
        if (value !== "true" && value !== "false") throw new UsageError(`${written} takes no value`);
        options.push(value === "true" ? `--${entry.name}` : `--no-${entry.name}`);
        continue;
      }
      if (at >= 0) options.push(`--${entry.name}=${word.slice(at + 1)}`);
      else {
        if (i + 1 >= argv.length) throw new UsageError(`${written} needs a value`);
        options.push(`--${entry.name}=${argv[++i]}`);
      }
      continue;
    }
    // Short options, bundled or not: `-sp`, `-o out`, `-oout`, `-so out`.
    for (let c = 1; c < word.length; c++) {
      const letter = word[c]!;
      const entry = lookup(letter, `-${letter}`);
      if (!entry.takesValue) {
        options.push(`--${entry.name}`);
        continue;
      }
      if (c + 1 < word.length) options.push(`--${entry.name}=${word.slice(c + 1)}`);
      else {
        if (i + 1 >= argv.length) throw new UsageError(`${optionWord(letter)} needs a value`);
        options.push(`--${entry.name}=${argv[++i]}`);
      }
      break;
    }
  }
  return [...options, "--", ...inputs];
}
