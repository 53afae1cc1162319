/** Registers the notification commands (issue 5): `outbox` and `report`. */
import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { registerOutboxCommand } from './outbox.js';
import { registerReportCommand } from './report.js';

export function registerNotifyCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  registerOutboxCommand(program, io, setExit);
  registerReportCommand(program, io, setExit);
}
