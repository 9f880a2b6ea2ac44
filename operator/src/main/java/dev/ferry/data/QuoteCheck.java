package dev.ferry.data;

import java.io.IOException;
import java.io.Reader;

/**
 * Watches the characters a CSV parser reads for the two quoting mistakes RFC 4180 forbids and
 * FastCSV lets pass: a quoted field never closed before the end of the file, and text after a
 * closing quote ({@code "x"y}). It only records the first one, with its line, for the parser's
 * caller to report once the records before it are handed out.
 */
final class QuoteCheck extends Reader {
  private enum State { FIELD_START, UNQUOTED, QUOTED, QUOTE_IN_QUOTED }

  /** A quoting mistake and the line it is on. */
  record Problem(long line, String message) {}

  private final Reader in;
  private State state = State.FIELD_START;
  private long line = 1;
  private long quoteOpenedOn;
  private boolean lastWasCr;
  private boolean ended;
  private Problem problem;

  QuoteCheck(Reader in) {
    this.in = in;
  }

  /** The first mistake seen so far; an unclosed quote is known only once the input has ended. */
  Problem problem() {
    if (problem == null && ended && state == State.QUOTED) {
      problem = new Problem(quoteOpenedOn,
          "bad quoting: a quoted field opened on this line is never closed (missing closing \")");
    }
    return problem;
  }

  @Override
  public int read(char[] buf, int off, int len) throws IOException {
    int n = in.read(buf, off, len);
    if (n < 0) {
      ended = true;
      return n;
    }
    for (int i = off; i < off + n && problem == null; i++) {
      char c = buf[i];
      boolean lineBreak = c == '\n' && !lastWasCr || c == '\r';
      lastWasCr = c == '\r';
      switch (state) {
        case FIELD_START -> {
          if (c == '"') {
            state = State.QUOTED;
            quoteOpenedOn = line;
          } else if (c != ',' && c != '\r' && c != '\n') {
            state = State.UNQUOTED;
          }
        }
        case UNQUOTED -> {
          if (c == ',' || c == '\r' || c == '\n') {
            state = State.FIELD_START;
          }
        }
        case QUOTED -> {
          if (c == '"') {
            state = State.QUOTE_IN_QUOTED;
          }
        }
        case QUOTE_IN_QUOTED -> {
          if (c == '"') {
            state = State.QUOTED; // a doubled quote: one literal "
          } else if (c == ',' || c == '\r' || c == '\n') {
            state = State.FIELD_START;
          } else {
            problem = new Problem(line, "bad quoting: unexpected text after a closing quote (a \" inside a quoted"
                + " field must be doubled as \"\")");
          }
        }
        default -> throw new IllegalStateException(state.name());
      }
      if (lineBreak) {
        line++;
      }
    }
    return n;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
