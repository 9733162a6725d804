// Owns the csv-parse options every import file shares: header-first CSV, BOM and blanks tolerated, line numbers kept.

/**
 * `info` gives each record the line it ends on, for error messages; `relax_column_count` lets the parser hand us
 * short or long rows so we can name them, rather than failing the whole file at the first one.
 */
export const CSV_IMPORT_OPTIONS = {
  bom: true,
  info: true,
  trim: true,
  skip_empty_lines: true,
  relax_column_count: true,
} as const;
