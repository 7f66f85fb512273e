import type { Command } from 'commander';
import { registerAuth } from './auth.ts';
import { registerConfig } from './config.ts';
import { registerCost } from './cost.ts';
import { registerDb } from './db.ts';
import { registerDecommission } from './decommission.ts';
import { registerDemo } from './demo.ts';
import { registerDoctor } from './doctor.ts';
import { registerReport } from './report.ts';
import { registerSandbox } from './sandbox.ts';
import { registerScan } from './scan.ts';
import { registerStorage } from './storage.ts';

/** Every command group; each file adds one group to the program. */
export function registerCommands(program: Command): void {
  registerSandbox(program);
  registerDemo(program);
  registerStorage(program);
  registerAuth(program);
  registerDb(program);
  registerConfig(program);
  registerCost(program);
  registerScan(program);
  registerReport(program);
  registerDoctor(program);
  registerDecommission(program);
}
