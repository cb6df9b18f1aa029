import { Type } from '@sinclair/typebox';
import { choiceOption } from './flags.ts';

export const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LEVELS)[number];

/** The log level every command's config accepts. */
export const LogLevelSchema = Type.Union(LEVELS.map((l) => Type.Literal(l)));

/** `--log-level`, the same on every command. */
export const logLevelOption = () => choiceOption('--log-level <level>', 'log level', LEVELS);
