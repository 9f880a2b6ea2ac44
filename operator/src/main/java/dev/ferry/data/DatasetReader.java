package dev.ferry.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedReader;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a dataset one row at a time, never holding the whole file: CSV with a header row, or JSON
 * Lines, from a local path, a {@code file:} URI or an {@code http(s)://} URL.
 *
 * <p>The columns are known as soon as the reader is open ({@link #columns()}); rows then come from
 * {@link #next()} or {@link #forEach(RowHandler)}. Every problem with the input, from a missing
 * file to a bad byte, is a {@link DatasetException} naming the source and line. The SHA-256 of the
 * raw bytes is computed during the pass and is available from {@link #digest()} once the last row
 * has been read.
 *
 * <pre>{@code
 * try (DatasetReader reader = DatasetReader.open("data/train.csv", null)) {
 *   int age = reader.columnIndex("age");
 *   reader.forEach(row -> use(row.line(), row.value(age)));
 *   String digest = reader.digest();
 * }
 * }</pre>
 *
 * <p>CSV: RFC 4180 quoting, UTF-8 (a byte-order mark is dropped), an empty cell is a missing
 * value, every row must have as many fields as the header; blank lines are skipped, except in a
 * one-column file, where an empty line is a missing value. JSON Lines: the keys
 * of the first object are the columns, in order; a later object may leave keys out (missing
 * values) but may not add keys; {@code null} is a missing value; strings are taken as they are
 * (an empty string is a value), numbers and booleans as their JSON text, nested arrays and objects
 * as compact JSON; blank lines are skipped. Not thread-safe.
 */
public final class DatasetReader implements Closeable {
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(60);
  private static volatile HttpClient httpClient;

  private final String source;
  private final DataFormat format;
  private final CountingDigestStream raw;
  private final Utf8Reader text;
  private final Rows rows;
  private final List<String> columns;
  private final Map<String, Integer> index;
  private long rowCount;
  /** The source's size in bytes when known before reading (a local file), else -1. */
  private long sizeHint = -1;
  private boolean finished;
  private DatasetException failure;
  private String digest;

  private DatasetReader(InputStream in, String source, DataFormat format) throws DatasetException {
    this.source = source;
    this.format = format;
    this.raw = new CountingDigestStream(in);
    this.text = new Utf8Reader(raw);
    try {
      this.rows = format == DataFormat.CSV ? new CsvRows() : new JsonLinesRows();
    } catch (DatasetException | RuntimeException e) {
      closeQuietly();
      throw e;
    }
    this.columns = Collections.unmodifiableList(rows.columns);
    Map<String, Integer> map = new HashMap<>();
    for (int i = 0; i < columns.size(); i++) {
      map.put(columns.get(i), i);
    }
    this.index = map;
  }

  /** Where a slice's rows come from: the next row of the slice, or null at its end. */
  @FunctionalInterface
  public interface RowSource {
    Row next() throws DatasetException;
  }

  /** A part of another source (a time window, say): its columns and format, rows from {@code rows}. */
  private DatasetReader(DatasetReader whole, String source, RowSource rows) {
    this.source = source;
    this.format = whole.format;
    this.raw = null;
    this.text = null;
    this.rows = new Rows() {
      @Override
      Row next() throws DatasetException {
        return rows.next();
      }
    };
    this.rows.columns = whole.columns;
    this.columns = whole.columns;
    this.index = whole.index;
  }

  /**
   * A reader over a part of this one's rows, as {@code rows} hands them out; {@code source} names
   * the part in messages. It has no digest of its own (the bytes belong to the whole) and closing
   * it leaves this reader open.
   */
  public DatasetReader slice(String source, RowSource rows) {
    return new DatasetReader(this, source, rows);
  }

  /** Opens a path, {@code file:} URI or {@code http(s)://} URL, taking the format from its extension. */
  public static DatasetReader open(String location) throws DatasetException {
    return open(location, null);
  }

  /**
   * Opens a local path, a {@code file:} URI or an {@code http(s)://} URL and reads its header.
   *
   * @param format the format, or {@code null} to take it from the extension ({@code .csv},
   *     {@code .jsonl}, {@code .ndjson})
   * @throws DatasetException if the source cannot be opened, its format is unknown or its header is
   *     bad
   */
  public static DatasetReader open(String location, DataFormat format) throws DatasetException {
    return open(location, format, System.getenv());
  }

  /**
   * As above; an {@code s3://} or {@code gs://} object is read with the endpoint and credentials
   * of {@code env} ({@link dev.ferry.storage.ObjectStorage#settings}).
   */
  public static DatasetReader open(String location, DataFormat format, java.util.Map<String, String> env)
      throws DatasetException {
    if (location == null || location.isBlank()) {
      throw new DatasetException("dataset", "no dataset location given");
    }
    String lower = location.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://") || lower.startsWith("https://")) {
      return openUrl(location, format);
    }
    if (lower.startsWith("file:")) {
      Path path;
      try {
        path = Path.of(new URI(location));
      } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
        throw new DatasetException(location, "not a usable file URI (use file:/absolute/path): " + e.getMessage());
      }
      return open(path, location, format);
    }
    if (lower.startsWith("s3://") || lower.startsWith("gs://")) {
      return openObject(location, format, env);
    }
    if (lower.startsWith("pvc://")) {
      throw new DatasetException(location,
          "a pvc:// URI is not a file; read the path where the volume is mounted in the step instead");
    }
    int colon = location.indexOf("://");
    if (colon > 0 && location.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
      throw new DatasetException(location, "unsupported URI scheme \"" + location.substring(0, colon)
          + "\" (use a path, file:, http://, https://, s3:// or gs://)");
    }
    return open(Path.of(location), location, format);
  }

  /** Opens a local file. */
  public static DatasetReader open(Path path, DataFormat format) throws DatasetException {
    return open(path, path.toString(), format);
  }

  /**
   * Reads an already open stream (closed with the reader). {@code source} names it in messages.
   *
   * @param format required: a stream has no extension
   */
  public static DatasetReader open(InputStream in, String source, DataFormat format) throws DatasetException {
    if (format == null) {
      throw new IllegalArgumentException("format is required when reading a stream");
    }
    return new DatasetReader(in, source, format);
  }

  private static DatasetReader open(Path path, String source, DataFormat format) throws DatasetException {
    DataFormat f = formatFor(source, format);
    if (Files.isDirectory(path)) {
      throw new DatasetException(source, "is a directory, not a file");
    }
    InputStream in;
    try {
      in = Files.newInputStream(path);
    } catch (NoSuchFileException e) {
      throw new DatasetException(source, "file not found");
    } catch (AccessDeniedException e) {
      throw new DatasetException(source, "permission denied");
    } catch (IOException e) {
      throw new DatasetException(source, "cannot open: " + e.getMessage());
    }
    DatasetReader reader = new DatasetReader(in, source, f);
    try {
      reader.sizeHint = Files.size(path);
    } catch (IOException e) {
      reader.sizeHint = -1; // a size is only a hint
    }
    return reader;
  }

  /** The source's size in bytes when known before it is read (a local file), else -1. */
  public long sizeHint() {
    return sizeHint;
  }

  /**
   * An object in a bucket, streamed (memory does not grow with its size), with the endpoint and
   * credentials of the environment ({@link dev.ferry.storage.ObjectStorage#settings}).
   */
  private static DatasetReader openObject(String location, DataFormat format, java.util.Map<String, String> env)
      throws DatasetException {
    dev.ferry.storage.ObjectUri uri = dev.ferry.storage.ObjectUri.parse(location).orElseThrow(() ->
        new DatasetException(location, "not a valid object URI: use s3://BUCKET/KEY or gs://BUCKET/KEY"));
    DataFormat f = formatFor(uri.key(), format);
    dev.ferry.storage.ObjectStorage storage = dev.ferry.storage.ObjectStorage.forUri(uri, env);
    InputStream in;
    try {
      in = storage.open(uri);
    } catch (dev.ferry.storage.StorageException e) {
      storage.close();
      throw new DatasetException(location, e.getMessage());
    }
    // The client lives as long as the stream: closing the reader closes both.
    InputStream owned = new java.io.FilterInputStream(in) {
      @Override
      public void close() throws IOException {
        try {
          super.close();
        } finally {
          storage.close();
        }
      }
    };
    return open(owned, location, f);
  }

  private static DatasetReader openUrl(String location, DataFormat format) throws DatasetException {
    URI uri;
    try {
      uri = new URI(location);
    } catch (URISyntaxException e) {
      throw new DatasetException(location, "not a valid URL: " + e.getReason());
    }
    String shown = displayUrl(uri);
    DataFormat f = formatFor(uri.getPath() == null ? shown : uri.getPath(), format);
    HttpRequest request;
    try {
      request = HttpRequest.newBuilder(uri).timeout(RESPONSE_TIMEOUT).GET().build();
    } catch (IllegalArgumentException e) {
      throw new DatasetException(shown, "not a valid URL: " + e.getMessage());
    }
    HttpResponse<InputStream> response;
    try {
      response = http().send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DatasetException(shown, "interrupted while connecting");
    } catch (IOException e) {
      throw new DatasetException(shown, "cannot fetch: " + describeFetch(e, uri));
    }
    int status = response.statusCode();
    if (status < 200 || status > 299) {
      try {
        response.body().close();
      } catch (IOException ignored) {
        // the status is the news
      }
      throw new DatasetException(shown, (status == 404 || status == 410 ? "file not found" : "cannot fetch")
          + " (HTTP " + status + ")");
    }
    return new DatasetReader(response.body(), shown, f);
  }

  private static HttpClient http() {
    HttpClient c = httpClient;
    if (c == null) {
      synchronized (DatasetReader.class) {
        c = httpClient;
        if (c == null) {
          c = HttpClient.newBuilder()
              .followRedirects(HttpClient.Redirect.NORMAL)
              .connectTimeout(CONNECT_TIMEOUT)
              .build();
          httpClient = c;
        }
      }
    }
    return c;
  }

  /** The URL as shown in messages and results: no user info and no query, which may hold secrets. */
  static String displayUrl(URI uri) {
    StringBuilder b = new StringBuilder();
    b.append(uri.getScheme()).append("://");
    if (uri.getHost() != null) {
      b.append(uri.getHost());
    }
    if (uri.getPort() >= 0) {
      b.append(':').append(uri.getPort());
    }
    if (uri.getRawPath() != null) {
      b.append(uri.getRawPath());
    }
    if (uri.getRawQuery() != null) {
      b.append("?...");
    }
    return b.toString();
  }

  private static DataFormat formatFor(String name, DataFormat given) throws DatasetException {
    if (given != null) {
      return given;
    }
    return DataFormat.fromName(name).orElseThrow(() -> new DatasetException(name,
        "cannot tell the format from the name (expected .csv, .jsonl or .ndjson); give the format (csv or jsonl)"));
  }

  private static String describeFetch(IOException e, URI uri) {
    String host = uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.UnknownHostException || t instanceof java.nio.channels.UnresolvedAddressException) {
        return "unknown host " + uri.getHost();
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.http.HttpConnectTimeoutException) {
        return "timed out connecting to " + host;
      }
      if (t instanceof java.net.http.HttpTimeoutException) {
        return "timed out waiting for " + host + " to answer";
      }
      if (t instanceof java.net.ConnectException) {
        return "cannot connect to " + host + " (" + (t.getMessage() == null ? "connection refused" : t.getMessage()) + ")";
      }
    }
    return describe(e);
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }

  /** The file, path or URL as shown in messages (a URL without its query). */
  public String source() {
    return source;
  }

  public DataFormat format() {
    return format;
  }

  /** The column names, in file order: the CSV header or the first JSON object's keys. */
  public List<String> columns() {
    return columns;
  }

  /** The index of a column in {@link #columns()} and {@link Row#values()}, or -1. */
  public int columnIndex(String name) {
    Integer i = index.get(name);
    return i == null ? -1 : i;
  }

  /**
   * The next row, or {@code null} after the last one.
   *
   * @throws DatasetException if the input is malformed or cannot be read; the reader is then
   *     unusable and throws the same exception again
   */
  public Row next() throws DatasetException {
    if (failure != null) {
      throw failure;
    }
    if (finished) {
      return null;
    }
    Row row;
    try {
      row = rows.next();
    } catch (DatasetException e) {
      failure = e;
      throw e;
    }
    if (row == null) {
      finished = true;
    } else {
      rowCount++;
    }
    return row;
  }

  /** Hands every remaining row to {@code handler}, in order, and returns how many it handed. */
  public long forEach(RowHandler handler) throws DatasetException {
    long n = 0;
    for (Row row = next(); row != null; row = next()) {
      handler.row(row);
      n++;
    }
    return n;
  }

  /** Data rows read so far (header and blank lines excluded). */
  public long rowCount() {
    return rowCount;
  }

  /** Raw bytes read so far from the source (the whole size once finished). */
  public long bytesRead() {
    return raw == null ? 0 : raw.count;
  }

  /** True once {@link #next()} has returned {@code null}. */
  public boolean finished() {
    return finished;
  }

  /**
   * {@code sha256:<hex>} of the raw bytes of the source; null for a {@link #slice}.
   *
   * @throws IllegalStateException before the last row has been read
   */
  public String digest() {
    if (raw == null) {
      return null;
    }
    if (!finished || !text.inputEnded()) {
      throw new IllegalStateException("the digest of " + source + " is known only after its last row has been read");
    }
    if (digest == null) {
      digest = "sha256:" + HexFormat.of().formatHex(raw.getMessageDigest().digest());
    }
    return digest;
  }

  @Override
  public void close() {
    closeQuietly();
  }

  private void closeQuietly() {
    if (text == null) {
      return; // a slice: the whole reader owns the stream
    }
    try {
      text.close();
    } catch (IOException ignored) {
      // nothing useful to do: all data was read or the reader failed already
    }
  }

  /** Turns a failure while reading into a message naming the source and the line. */
  private DatasetException readFailure(Throwable e, long line) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof Utf8Reader.MalformedTextException m) {
        return new DatasetException(source, m.line, m.getMessage());
      }
    }
    return new DatasetException(source, line, "read error: " + describe(e));
  }

  /** The format-specific part: the columns, then the rows. */
  private abstract static class Rows {
    List<String> columns;

    abstract Row next() throws DatasetException;
  }

  /**
   * CSV rows through FastCSV (RFC 4180; about twice as fast as commons-csv here, which matters when
   * a short check is mostly a cold start), with {@link QuoteCheck} for the quoting mistakes
   * FastCSV reads leniently, and the field count checked here so a ragged row names its line.
   */
  private final class CsvRows extends Rows {
    private final QuoteCheck quotes;
    private final Iterator<CsvRecord> records;
    private final int width;

    CsvRows() throws DatasetException {
      quotes = new QuoteCheck(text);
      records = CsvReader.builder().skipEmptyLines(false).ignoreDifferentFieldCount(true).acceptCharsAfterQuotes(true)
          .ofCsvRecord(quotes).iterator();
      CsvRecord header;
      do {
        header = nextRecord();
      } while (header != null && isBlankLine(header));
      if (header == null) {
        throw new DatasetException(source, "empty file: no header row");
      }
      long headerLine = header.getStartingLineNumber();
      List<String> names = new ArrayList<>(header.getFieldCount());
      Map<String, Integer> seen = new HashMap<>();
      for (int i = 0; i < header.getFieldCount(); i++) {
        String name = header.getField(i);
        if (name.isBlank()) {
          throw new DatasetException(source, headerLine, "bad header: column " + (i + 1) + " has an empty name");
        }
        Integer before = seen.putIfAbsent(name, i);
        if (before != null) {
          throw new DatasetException(source, headerLine, "bad header: duplicate column name \"" + name
              + "\" (columns " + (before + 1) + " and " + (i + 1) + ")");
        }
        names.add(name);
      }
      columns = names;
      width = names.size();
    }

    /** The next record, or null at the end; a quoting mistake is thrown once the records before it are out. */
    private CsvRecord nextRecord() throws DatasetException {
      CsvRecord r;
      try {
        r = records.hasNext() ? records.next() : null;
      } catch (UncheckedIOException e) {
        throw readFailure(e.getCause() == null ? e : e.getCause(), 0);
      } catch (de.siegmar.fastcsv.reader.CsvParseException e) {
        throw readFailure(e.getCause() == null ? e : e.getCause(), 0);
      }
      QuoteCheck.Problem p = quotes.problem();
      if (p != null && (r == null || r.getStartingLineNumber() >= p.line())) {
        throw new DatasetException(source, p.line(), p.message());
      }
      return r;
    }

    /** An empty line reads as one empty field: a blank line with several columns, a missing value with one. */
    private boolean isBlankLine(CsvRecord r) {
      return r.getFieldCount() == 0 || (r.getFieldCount() == 1 && r.getField(0).isEmpty());
    }

    @Override
    Row next() throws DatasetException {
      while (true) {
        CsvRecord r = nextRecord();
        if (r == null) {
          return null;
        }
        if (width > 1 && isBlankLine(r)) {
          continue;
        }
        long line = r.getStartingLineNumber();
        if (r.getFieldCount() != width) {
          throw new DatasetException(source, line, "ragged row: expected " + width
              + " fields (as in the header), found " + r.getFieldCount());
        }
        String[] values = new String[width];
        for (int i = 0; i < width; i++) {
          String v = r.getField(i);
          values[i] = v.isEmpty() ? null : v;
        }
        return new Row(line, values);
      }
    }
  }

  private final class JsonLinesRows extends Rows {
    private final BufferedReader lines = new BufferedReader(text, 8192);
    private final Map<String, Integer> positions = new HashMap<>();
    private long lineNo;
    private Row first;

    JsonLinesRows() throws DatasetException {
      JsonNode node = nextObject();
      if (node == null) {
        throw new DatasetException(source, "empty file: no header (no JSON object to take the column names from)");
      }
      List<String> names = new ArrayList<>();
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (name.isBlank()) {
          throw new DatasetException(source, lineNo, "bad header: the first object has a key with an empty name");
        }
        positions.put(name, names.size());
        names.add(name);
      }
      if (names.isEmpty()) {
        throw new DatasetException(source, lineNo, "the first object has no keys, so there are no columns");
      }
      columns = names;
      first = toRow(node);
    }

    /** The next non-blank line as a JSON object, or null at the end. */
    private JsonNode nextObject() throws DatasetException {
      String line;
      do {
        try {
          line = lines.readLine();
        } catch (IOException e) {
          throw readFailure(e, lineNo + 1);
        }
        if (line == null) {
          return null;
        }
        lineNo++;
      } while (line.isBlank());
      JsonNode node;
      try {
        node = JSON.readTree(line);
      } catch (JsonProcessingException e) {
        String where = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
        throw new DatasetException(source, lineNo, "invalid JSON" + where + ": " + firstLine(e.getOriginalMessage()));
      }
      if (!node.isObject()) {
        throw new DatasetException(source, lineNo, "expected a JSON object, found " + kind(node));
      }
      return node;
    }

    private Row toRow(JsonNode node) throws DatasetException {
      String[] values = new String[columns.size()];
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        Integer i = positions.get(field.getKey());
        if (i == null) {
          throw new DatasetException(source, lineNo, "unexpected key \"" + field.getKey()
              + "\": not among the keys of the first line (" + abbreviate(String.join(", ", columns), 200) + ")");
        }
        values[i] = cell(field.getValue());
      }
      return new Row(lineNo, values);
    }

    @Override
    Row next() throws DatasetException {
      if (first != null) {
        Row r = first;
        first = null;
        return r;
      }
      JsonNode node = nextObject();
      return node == null ? null : toRow(node);
    }
  }

  private static String cell(JsonNode v) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return null;
    }
    if (v.isTextual()) {
      return v.textValue();
    }
    if (v.isContainerNode()) {
      return v.toString();
    }
    return v.asText();
  }

  private static String kind(JsonNode n) {
    if (n.isArray()) {
      return "an array";
    }
    if (n.isTextual()) {
      return "a string";
    }
    if (n.isNumber()) {
      return "a number";
    }
    if (n.isBoolean()) {
      return "a boolean";
    }
    if (n.isNull()) {
      return "null";
    }
    return n.getNodeType().toString().toLowerCase(Locale.ROOT);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return abbreviate(nl < 0 ? s : s.substring(0, nl), 200);
  }

  static String abbreviate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 3) + "...";
  }

  /** Hashes (DigestInputStream) and counts the raw bytes as they are read. */
  private static final class CountingDigestStream extends DigestInputStream {
    long count;

    CountingDigestStream(InputStream in) {
      super(in, sha256());
    }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every Java runtime has SHA-256", e);
      }
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      throw new IOException("skipping would leave bytes out of the digest");
    }
  }
}
