/** What every notifier plugin is given and provides (the registry wires them). */
import type { Notifier } from '../../core/notification.js';
import type { DoctorCheck, Logger } from '../../core/ports.js';
import type { SeverityThreshold } from '../../core/severity.js';
import type { SendPolicy } from './send.js';

/** What a notifier factory gets besides its own config. */
export interface NotifierDeps {
  /** The top-level `minSeverity`: a notifier's default threshold. */
  defaultMinSeverity: SeverityThreshold;
  log: Logger;
  /** Overrides of the per-message retry policy (tests use tiny delays). */
  sendPolicy?: Partial<SendPolicy>;
}

/** A notifier type: how to build it and its `doctor` checks. Nothing is contacted on creation. */
export interface NotifierPlugin<C> {
  create(config: C, deps: NotifierDeps): Notifier;
  checks(config: C, deps: NotifierDeps): DoctorCheck[];
}
