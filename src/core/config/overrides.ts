/**
 * @module The override grammar of the command line, in one place so the CLI and the loader agree: an argument
 * after a command is `group=preset` (a preset file conf/<group>/<preset>.yaml) or `key=value` (a dotted config
 * key; Hydra's `+key=value` is accepted). Anything else is refused naming the argument and these forms, because
 * a typo that is silently ignored trains with the wrong settings.
 */
import { DfpError } from '../errors.ts';
import { CONFIG_GROUPS, type ConfigGroup } from './schema.ts';

export type Override = { kind: 'preset'; arg: string; group: ConfigGroup; preset: string } | { kind: 'key'; arg: string; key: string; raw: string };

/** The accepted forms, for error messages. */
export const OVERRIDE_FORMS = `group=preset (groups: ${CONFIG_GROUPS.join(', ')}; e.g. model=classifier) or key=value with a dotted config key (e.g. train.epochs=5)`;

const KEY = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** A preset is a file name inside conf/<group>/, never a path. */
const PRESET = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** True when the argument was meant as an override (it has an `=`), well-formed or not. */
export function isOverrideLike(arg: string): boolean {
  return arg.includes('=');
}

/** Parses one override or throws a USAGE error naming it and the accepted forms. */
export function parseOverride(arg: string): Override {
  const eq = arg.indexOf('=');
  if (eq < 0) {
    const colon = /^\+?([A-Za-z_][\w.]*)\s*:\s*(.*)$/.exec(arg);
    const hint = colon ? ` (did you mean '${colon[1]}=${colon[2]}'?)` : '';
    throw usage(arg, `'${arg}' is not an override${hint}`);
  }
  const key = arg.slice(0, eq).replace(/^\+/, '');
  const raw = arg.slice(eq + 1);
  if (!KEY.test(key)) {
    const fixed = key.replace(/[/:]/g, '.');
    const hint = fixed !== key && KEY.test(fixed) ? ` (did you mean '${fixed}=${raw}'?)` : '';
    throw usage(arg, `'${key || '(empty)'}' in '${arg}' is not a config key: keys are ASCII names (letters, digits, _) joined by '.'${hint}`);
  }
  if ((CONFIG_GROUPS as readonly string[]).includes(key)) {
    const group = key as ConfigGroup;
    if (!PRESET.test(raw)) {
      throw new DfpError(
        'USAGE',
        `argument '${arg}': preset ${raw === '' ? 'name is empty' : `'${raw}' is not a plain name`}; a preset is the name of a file in conf/${group}/ (letters, digits, _ and -, e.g. ${group}=<name>), never a path. Accepted: ${OVERRIDE_FORMS}`,
        { argument: arg, key: group },
      );
    }
    return { kind: 'preset', arg, group, preset: raw };
  }
  return { kind: 'key', arg, key, raw };
}

function usage(arg: string, what: string): DfpError {
  return new DfpError('USAGE', `unexpected argument: ${what}; arguments after a command are ${OVERRIDE_FORMS}`, { argument: arg });
}
