package dev.ferry.data;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetReaderTest {
  @TempDir
  Path dir;

  private HttpServer server;

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.stop(0);
    }
  }

  static String sha256(byte[] bytes) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private Path file(String name, String content) throws IOException {
    return file(name, content.getBytes(UTF_8));
  }

  private Path file(String name, byte[] content) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, content);
    return p;
  }

  /** Reads every row; each as "line:v1|v2|..." with null shown as "~". */
  private static List<String> rows(DatasetReader reader) throws DatasetException {
    List<String> out = new ArrayList<>();
    reader.forEach(r -> out.add(r.line() + ":" + String.join("|",
        Arrays.stream(r.values()).map(v -> v == null ? "~" : v).toList())));
    return out;
  }

  private DatasetException failure(String name, String content) throws IOException {
    return failure(name, content.getBytes(UTF_8));
  }

  private DatasetException failure(String name, byte[] content) throws IOException {
    Path p = file(name, content);
    try (DatasetReader reader = DatasetReader.open(p.toString())) {
      rows(reader);
    } catch (DatasetException e) {
      return e;
    }
    throw new AssertionError("no DatasetException for " + name);
  }

  @Test
  void readsCsvWithPhysicalLineNumbersMissingValuesAndDigest() throws Exception {
    String csv = "id,name,score\n"
        + "1,ann,0.5\n"
        + "\n" // blank line: skipped, but counted
        + "2,\"multi\nline\",\n" // quoted newline; empty cell = missing
        + "3,\"say \"\"hi\"\"\",7\n";
    Path p = file("data.csv", csv);
    try (DatasetReader reader = DatasetReader.open(p.toString())) {
      assertThat(reader.format()).isEqualTo(DataFormat.CSV);
      assertThat(reader.columns()).containsExactly("id", "name", "score");
      assertThat(reader.columnIndex("score")).isEqualTo(2);
      assertThat(reader.columnIndex("nope")).isEqualTo(-1);
      assertThat(rows(reader)).containsExactly("2:1|ann|0.5", "4:2|multi\nline|~", "6:3|say \"hi\"|7");
      assertThat(reader.rowCount()).isEqualTo(3);
      assertThat(reader.bytesRead()).isEqualTo(csv.getBytes(UTF_8).length);
      assertThat(reader.digest()).isEqualTo(sha256(csv.getBytes(UTF_8)));
      assertThat(reader.next()).isNull();
    }
  }

  @Test
  void crlfAndLoneCrLineEndingsAndByteOrderMark() throws Exception {
    byte[] bytes = "\uFEFFa,b\r\n1,2\r\n\r\n3,4\r5,6".getBytes(UTF_8);
    try (DatasetReader reader = DatasetReader.open(file("crlf.csv", bytes), null)) {
      assertThat(reader.columns()).containsExactly("a", "b");
      assertThat(rows(reader)).containsExactly("2:1|2", "4:3|4", "5:5|6");
      assertThat(reader.digest()).isEqualTo(sha256(bytes));
    }
  }

  @Test
  void oneColumnCsvReadsAnEmptyLineAsAMissingValue() throws Exception {
    try (DatasetReader reader = DatasetReader.open(file("one.csv", "x\n1\n\n3\n"), null)) {
      assertThat(rows(reader)).containsExactly("2:1", "3:~", "4:3");
    }
  }

  @Test
  void readsJsonLines() throws Exception {
    String jsonl = "{\"id\": 1, \"name\": \"ann\", \"ok\": true, \"tags\": [1, 2]}\n"
        + "\n"
        + "{\"name\": \"bob\", \"id\": 2.5, \"ok\": null}\n"
        + "{\"id\": 3, \"name\": \"\", \"ok\": false, \"tags\": {\"k\": \"v\"}}\n";
    Path p = file("data.jsonl", jsonl);
    try (DatasetReader reader = DatasetReader.open(p.toString())) {
      assertThat(reader.format()).isEqualTo(DataFormat.JSONL);
      assertThat(reader.columns()).containsExactly("id", "name", "ok", "tags");
      assertThat(rows(reader)).containsExactly(
          "1:1|ann|true|[1,2]",
          "3:2.5|bob|~|~",
          "4:3||false|{\"k\":\"v\"}");
      assertThat(reader.digest()).isEqualTo(sha256(jsonl.getBytes(UTF_8)));
    }
  }

  @Test
  void formatFromExtensionOrGivenExplicitly() throws Exception {
    assertThat(DataFormat.fromName("a/b.NDJSON")).contains(DataFormat.JSONL);
    assertThat(DataFormat.fromName("https://h/x.csv?sig=abc.jsonl")).contains(DataFormat.CSV);
    assertThat(DataFormat.fromName("data.txt")).isEmpty();
    assertThat(DataFormat.parse("JSONL")).isEqualTo(DataFormat.JSONL);
    assertThatThrownBy(() -> DataFormat.parse("xml")).hasMessageContaining("csv or jsonl");

    Path p = file("data.txt", "{\"a\": 1}\n");
    try (DatasetReader reader = DatasetReader.open(p.toString(), DataFormat.JSONL)) {
      assertThat(rows(reader)).containsExactly("1:1");
    }
    assertThatThrownBy(() -> DatasetReader.open(p.toString()))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("data.txt")
        .hasMessageContaining("cannot tell the format");
  }

  @Test
  void opensFileUris() throws Exception {
    Path p = file("u.csv", "a\n1\n");
    try (DatasetReader reader = DatasetReader.open(p.toUri().toString())) {
      assertThat(rows(reader)).containsExactly("2:1");
      assertThat(reader.source()).startsWith("file:");
    }
  }

  @Test
  void digestIsOnlyKnownAfterTheLastRow() throws Exception {
    Path p = file("d.csv", "a\n1\n2\n");
    try (DatasetReader reader = DatasetReader.open(p, null)) {
      assertThat(reader.next()).isNotNull();
      assertThatThrownBy(reader::digest).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void streamsWithoutReadingTheWholeInput() throws Exception {
    long rows = 2_000_000; // about 30 MB, generated on the fly
    InputStream endless = new InputStream() {
      private final byte[] header = "a,b\n".getBytes(UTF_8);
      private final byte[] row = "12345,67890\n".getBytes(UTF_8);
      private long pos;

      @Override
      public int read() {
        long total = header.length + rows * row.length;
        if (pos >= total) {
          return -1;
        }
        int b = pos < header.length ? header[(int) pos] : row[(int) ((pos - header.length) % row.length)];
        pos++;
        return b;
      }
    };
    try (DatasetReader reader = DatasetReader.open(endless, "generated", DataFormat.CSV)) {
      Row first = reader.next();
      assertThat(first.line()).isEqualTo(2);
      assertThat(first.values()).containsExactly("12345", "67890");
      assertThat(reader.bytesRead()).isLessThan(64 * 1024);
    }
  }

  @Test
  void raggedRowNamesFileLineAndCounts() throws Exception {
    DatasetException e = failure("rag.csv", "a,b,c\n1,2,3\n4,5\n");
    assertThat(e.line()).isEqualTo(3);
    assertThat(e.getMessage()).contains("rag.csv", "line 3", "expected 3", "found 2");
  }

  @Test
  void textAfterAClosingQuote() throws Exception {
    DatasetException e = failure("q.csv", "a,b\n1,2\n3,\"x\"y\n");
    assertThat(e.line()).isEqualTo(3);
    assertThat(e.getMessage()).startsWith(dir.resolve("q.csv") + ", line 3: bad quoting");
  }

  @Test
  void doubledQuotesInsideQuotesAndAQuoteInsideAnUnquotedFieldAreText() throws Exception {
    Path p = file("quotes.csv", "a,b\n1,\"he said \"\"hi\"\"\"\n2,x\"y\n3,\"\"\n");
    try (DatasetReader reader = DatasetReader.open(p.toString())) {
      assertThat(rows(reader)).containsExactly("2:1|he said \"hi\"", "3:2|x\"y", "4:3|~");
    }
  }

  @Test
  void quotingMistakesAfterAMultiLineFieldNameTheirOwnLineAndTheRowsBeforeAreRead() throws Exception {
    Path p = file("crlf.csv", "a,b\r\n1,\"multi\r\nline\"\r\n2,3\r\n4,\"x\"y\r\n");
    List<String> read = new ArrayList<>();
    try (DatasetReader reader = DatasetReader.open(p.toString())) {
      DatasetException e = org.junit.jupiter.api.Assertions.assertThrows(DatasetException.class, () -> {
        for (Row r = reader.next(); r != null; r = reader.next()) {
          read.add(r.line() + ":" + r.values()[1]);
        }
      });
      assertThat(e.line()).isEqualTo(5);
      assertThat(e.getMessage()).contains("unexpected text after a closing quote");
    }
    assertThat(read).containsExactly("2:multi\r\nline", "4:3");
  }

  @Test
  void unclosedQuoteNamesTheLineWhereItOpened() throws Exception {
    DatasetException e = failure("q2.csv", "a,b\n1,2\n3,\"x\n4,5\n6,7\n");
    assertThat(e.line()).isEqualTo(3);
    assertThat(e.getMessage()).contains("q2.csv", "line 3", "never closed");
  }

  @Test
  void invalidUtf8NamesTheExactLineEvenFarPastTheFirstBuffer() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write("n,text\n".getBytes(UTF_8));
    for (int i = 1; i <= 10_000; i++) {
      b.write((i + ",caf\u00e9\n").getBytes(UTF_8));
      if (i == 7_777) {
        b.write(new byte[] {'0', ',', 'x', (byte) 0xff, 'y', '\n'}); // line 7779
      }
    }
    byte[] bytes = b.toByteArray();
    DatasetException e = failure("bad.csv", bytes);
    assertThat(e.line()).isEqualTo(7_779);
    assertThat(e.getMessage()).contains("bad.csv", "line 7779", "not UTF-8 text", "0xFF");

    b.reset();
    for (int i = 1; i <= 3000; i++) {
      b.write(("{\"n\": " + i + "}\n").getBytes(UTF_8));
    }
    b.write(new byte[] {'{', '"', 'n', '"', ':', '"', (byte) 0xc3, '(', '"', '}', '\n'});
    e = failure("bad.jsonl", b.toByteArray());
    assertThat(e.line()).isEqualTo(3001);
    assertThat(e.getMessage()).contains("bad.jsonl", "line 3001", "not UTF-8 text");
  }

  @Test
  void truncatedUtf8AtTheEndOfTheFile() throws Exception {
    byte[] bytes = {'a', '\n', '1', '\n', 'x', (byte) 0xe2, (byte) 0x82};
    DatasetException e = failure("cut.csv", bytes);
    assertThat(e.line()).isEqualTo(3);
    assertThat(e.getMessage()).contains("not UTF-8 text");
  }

  @Test
  void emptyFilesHaveNoHeader() throws Exception {
    assertThat(failure("e.csv", "").getMessage()).isEqualTo(dir.resolve("e.csv") + ": empty file: no header row");
    assertThat(failure("blank.csv", "\n\n").getMessage()).contains("no header");
    assertThat(failure("e.jsonl", "").getMessage()).contains("e.jsonl", "no header");
  }

  @Test
  void missingFileAndDirectory() throws Exception {
    String missing = dir.resolve("nope.csv").toString();
    assertThatThrownBy(() -> DatasetReader.open(missing))
        .isInstanceOf(DatasetException.class)
        .hasMessage(missing + ": file not found");
    assertThatThrownBy(() -> DatasetReader.open(dir.toString(), DataFormat.CSV))
        .hasMessageContaining("directory");
  }

  @Test
  void badHeaders() throws Exception {
    DatasetException dup = failure("dup.csv", "a,b,a\n1,2,3\n");
    assertThat(dup.line()).isEqualTo(1);
    assertThat(dup.getMessage()).contains("dup.csv", "line 1", "duplicate column name \"a\"", "columns 1 and 3");
    DatasetException empty = failure("empty-name.csv", "a,,c\n1,2,3\n");
    assertThat(empty.getMessage()).contains("line 1", "column 2 has an empty name");
    DatasetException dupJson = failure("dup.jsonl", "{\"a\": 1, \"a\": 2}\n");
    assertThat(dupJson.getMessage()).contains("dup.jsonl", "line 1", "Duplicate field 'a'");
  }

  @Test
  void jsonLinesThatAreNotObjects() throws Exception {
    DatasetException e = failure("arr.jsonl", "{\"a\": 1}\n\n[1, 2]\n");
    assertThat(e.line()).isEqualTo(3);
    assertThat(e.getMessage()).isEqualTo(dir.resolve("arr.jsonl") + ", line 3: expected a JSON object, found an array");
    assertThat(failure("num.jsonl", "42\n").getMessage()).contains("line 1", "found a number");
    assertThat(failure("broken.jsonl", "{\"a\": 1}\n{\"a\": \n").getMessage())
        .contains("broken.jsonl", "line 2", "invalid JSON");
    assertThat(failure("two.jsonl", "{\"a\": 1} {\"a\": 2}\n").getMessage()).contains("line 1", "invalid JSON");
  }

  @Test
  void jsonLinesMayOmitKeysButNotAddThem() throws Exception {
    DatasetException e = failure("extra.jsonl", "{\"a\": 1, \"b\": 2}\n{\"a\": 3}\n{\"a\": 4, \"c\": 5}\n");
    assertThat(e.line()).isEqualTo(3);
    assertThat(e.getMessage()).contains("extra.jsonl", "line 3", "unexpected key \"c\"");
  }

  @Test
  void aFailedReaderKeepsFailing() throws Exception {
    Path p = file("rag2.csv", "a,b\n1\n");
    try (DatasetReader reader = DatasetReader.open(p, null)) {
      assertThatThrownBy(reader::next).isInstanceOf(DatasetException.class);
      assertThatThrownBy(reader::next).hasMessageContaining("ragged");
    }
  }

  @Test
  void rejectsSchemesItCannotRead() {
    assertThatThrownBy(() -> DatasetReader.open("pvc://claim/data.csv"))
        .hasMessageContaining("mounted");
    assertThatThrownBy(() -> DatasetReader.open("ftp://host/data.csv"))
        .hasMessageContaining("unsupported URI scheme \"ftp\"", "s3://");
  }

  private String serve(String path, int status, byte[] body) throws IOException {
    if (server == null) {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.start();
    }
    server.createContext(path, exchange -> {
      exchange.sendResponseHeaders(status, 0); // chunked: the client cannot know the length up front
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Test
  void readsHttpUrlsAndHidesTheirQuery() throws Exception {
    byte[] body = "a,b\n1,2\n3,4\n".getBytes(UTF_8);
    String base = serve("/data/train.csv", 200, body);
    try (DatasetReader reader = DatasetReader.open(base + "/data/train.csv?token=secret")) {
      assertThat(reader.format()).isEqualTo(DataFormat.CSV);
      assertThat(rows(reader)).containsExactly("2:1|2", "3:3|4");
      assertThat(reader.digest()).isEqualTo(sha256(body));
      assertThat(reader.source()).isEqualTo(base + "/data/train.csv?...").doesNotContain("secret");
    }
  }

  @Test
  void httpErrorsAreDatasetExceptions() throws Exception {
    String base = serve("/gone.csv", 404, "no".getBytes(UTF_8));
    assertThatThrownBy(() -> DatasetReader.open(base + "/gone.csv"))
        .isInstanceOf(DatasetException.class)
        .hasMessage(base + "/gone.csv: file not found (HTTP 404)");
    serve("/broken.csv", 200, "a,b\n1,2\n3\n".getBytes(UTF_8));
    assertThatThrownBy(() -> {
      try (DatasetReader r = DatasetReader.open(base + "/broken.csv")) {
        rows(r);
      }
    }).hasMessage(base + "/broken.csv, line 3: ragged row: expected 2 fields (as in the header), found 1");
  }

  @Test
  void readsAStream() throws Exception {
    try (DatasetReader reader = DatasetReader.open(new ByteArrayInputStream("x\n1\n".getBytes(UTF_8)), "stdin",
        DataFormat.CSV)) {
      assertThat(rows(reader)).containsExactly("2:1");
    }
  }
}
