/**
 * How the embedded worker tells its supervisor why it stopped. Any other
 * non-zero code is a crash worth a restart.
 */

/** The model file cannot be loaded (not a GGUF, truncated, unsupported): a restart would fail the same way. (sysexits EX_DATAERR) */
export const EXIT_MODEL_UNUSABLE = 65;
