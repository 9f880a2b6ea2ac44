package dev.ferry.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes strict UTF-8 and knows the line of every byte it decodes.
 *
 * <p>{@link java.io.InputStreamReader} decodes a whole buffer ahead of its caller and throws as soon
 * as that buffer holds a bad byte, so the caller cannot tell where the bad byte was. This reader
 * counts line breaks while it decodes, hands out every character before a bad byte first, and only
 * then throws a {@link MalformedTextException} carrying the exact line and byte offset. A leading
 * byte-order mark is dropped. Line breaks are {@code \n}, {@code \r\n} and a lone {@code \r}, as in
 * {@link java.io.BufferedReader#readLine()} and RFC 4180.
 */
final class Utf8Reader extends Reader {
  private static final int BUFFER = 8192;

  private final InputStream in;
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final ByteBuffer bytes = ByteBuffer.allocate(BUFFER).flip();
  private final CharBuffer chars = CharBuffer.allocate(BUFFER).flip();
  /** Bytes already dropped from the front of {@link #bytes}. */
  private long bytesBefore;
  private boolean inputEnded;
  private boolean done;
  private boolean bomChecked;
  private MalformedTextException pending;
  /** Line of the next character the decoder produces. */
  private long decodeLine = 1;
  private boolean lastWasCr;

  Utf8Reader(InputStream in) {
    this.in = in;
  }

  /** True once the underlying stream has been read to its end. */
  boolean inputEnded() {
    return inputEnded;
  }

  @Override
  public int read(char[] buf, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (true) {
      if (chars.hasRemaining()) {
        int n = Math.min(len, chars.remaining());
        chars.get(buf, off, n);
        return n;
      }
      if (pending != null) {
        throw pending;
      }
      if (done) {
        return -1;
      }
      fill();
    }
  }

  private void fill() throws IOException {
    chars.clear();
    while (true) {
      CoderResult result = decoder.decode(bytes, chars, inputEnded);
      if (result.isError()) {
        countLines();
        int bad = bytes.get(bytes.position()) & 0xff;
        pending = new MalformedTextException(decodeLine, bytesBefore + bytes.position(), bad);
        break;
      }
      if (result.isOverflow()) {
        break;
      }
      if (inputEnded) {
        decoder.flush(chars);
        done = true;
        break;
      }
      if (chars.position() > 0) {
        break;
      }
      readMore();
    }
    if (pending == null) {
      countLines();
    }
    chars.flip();
    if (!bomChecked && chars.hasRemaining()) {
      bomChecked = true;
      if (chars.get(chars.position()) == '\uFEFF') {
        chars.get();
      }
    }
  }

  private void countLines() {
    for (int i = 0; i < chars.position(); i++) {
      char c = chars.get(i);
      if (c == '\r') {
        decodeLine++;
        lastWasCr = true;
      } else {
        if (c == '\n' && !lastWasCr) {
          decodeLine++;
        }
        lastWasCr = false;
      }
    }
  }

  private void readMore() throws IOException {
    bytesBefore += bytes.position();
    bytes.compact();
    int n;
    do {
      n = in.read(bytes.array(), bytes.position(), bytes.remaining());
    } while (n == 0);
    if (n < 0) {
      inputEnded = true;
    } else {
      bytes.position(bytes.position() + n);
    }
    bytes.flip();
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** Bytes that are not UTF-8, at a known line and byte offset (both for people: line 1-based, offset 0-based). */
  static final class MalformedTextException extends IOException {
    private static final long serialVersionUID = 1L;
    final long line;
    final long byteOffset;
    final int badByte;

    MalformedTextException(long line, long byteOffset, int badByte) {
      super(String.format("not UTF-8 text (byte 0x%02X at byte offset %d)", badByte, byteOffset));
      this.line = line;
      this.byteOffset = byteOffset;
      this.badByte = badByte;
    }
  }
}
