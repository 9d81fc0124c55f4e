/** Software version written into every output (sorting_summary.json, params). Kept in step with package.json by a test. */
export const VERSION = '0.1.0';
