package dev.ferry.storage;

import java.io.IOException;

/** An object storage operation that failed, said in terms of the bucket and key, never of a credential. */
public class StorageException extends IOException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message) {
    super(message);
  }

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
