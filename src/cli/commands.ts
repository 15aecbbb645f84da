// The command registry: each command lives in its own file and exports a `register` function.
// Adding a command = one import and one entry here.
import type { Command } from 'commander';
import { registerInfo } from './info.ts';
import { registerTrain } from './train.ts';
import { registerEvaluate } from './evaluate.ts';
import { registerTradePolicyCommands } from './optimize.ts';
import { registerUnion } from './union.ts';
import { registerHaTradeCommands } from './solve.ts';
import { registerTransition } from './transition.ts';

export const COMMANDS: ReadonlyArray<(program: Command) => void> = [registerTrain, registerEvaluate, registerTradePolicyCommands, registerUnion, registerHaTradeCommands, registerTransition, registerInfo];
