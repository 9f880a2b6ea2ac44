/**
 * Reading datasets: {@link dev.ferry.data.DatasetReader} streams rows of CSV or JSON Lines from a
 * path or URL with exact line numbers and a digest of the bytes; {@link dev.ferry.data.DataValues},
 * {@link dev.ferry.data.NumericStats} and {@link dev.ferry.data.CategoryCounter} are the shared,
 * bounded-memory ways to type and summarise column values.
 */
package dev.ferry.data;
