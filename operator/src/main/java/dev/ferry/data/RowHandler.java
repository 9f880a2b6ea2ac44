package dev.ferry.data;

/** Receives the rows of a dataset, one at a time, in file order. */
@FunctionalInterface
public interface RowHandler {
  /** Handles one row; throwing stops the pass. */
  void row(Row row) throws DatasetException;
}
