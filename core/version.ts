/** The tool's version, printed by --version and written into profile exports. */
export const VERSION = "0.1.0";
