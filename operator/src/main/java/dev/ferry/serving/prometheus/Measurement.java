package dev.ferry.serving.prometheus;

/**
 * What one instant query measured: a number, or why there is none. Infinities are numbers (a
 * latency quantile in the +Inf bucket is a real, very bad value); NaN is not.
 */
public sealed interface Measurement permits Measurement.Value, Measurement.Failure {

  /** Why a query gave no number. */
  enum Kind {
    /** The query returned an empty vector: no such series (yet). */
    EMPTY,
    /** The value is NaN, typically 0/0 when there was no traffic. */
    NAN,
    /** A vector of more than one sample: the query needs an aggregation such as sum(...). */
    MULTIPLE_SERIES,
    /** No answer within the timeout, or Prometheus's own query timeout. */
    TIMEOUT,
    /** No connection: refused, unknown host, connect timeout, or the address is not a URL. */
    UNREACHABLE,
    /** Prometheus (or a proxy) answered with an error status or an error body. */
    HTTP_ERROR,
    /** A 2xx answer that is not a usable instant-query result (not JSON, a matrix, a string, ...). */
    BAD_RESPONSE
  }

  /** A measured number (finite or infinite, never NaN). */
  record Value(double value) implements Measurement {
    public Value {
      if (Double.isNaN(value)) {
        throw new IllegalArgumentException("NaN is a Failure of kind NAN, not a Value");
      }
    }
  }

  /** No number: the kind and a message that a person can act on. */
  record Failure(Kind kind, String message) implements Measurement {
    public Failure {
      if (kind == null || message == null) {
        throw new IllegalArgumentException("a failure needs a kind and a message");
      }
    }
  }

  /** A value, or a NAN failure for NaN. */
  static Measurement of(double value) {
    return Double.isNaN(value)
        ? new Failure(Kind.NAN, "the query returned NaN (e.g. 0/0 when there was no traffic)")
        : new Value(value);
  }

  static Failure failure(Kind kind, String message) {
    return new Failure(kind, message);
  }
}
