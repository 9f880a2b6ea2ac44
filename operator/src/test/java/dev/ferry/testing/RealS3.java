package dev.ferry.testing;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 server on loopback for tests: S3Proxy (Apache 2.0, from Maven Central), which speaks
 * the S3 REST API with AWS Signature V4, multipart uploads and its error codes, over a folder
 * (jclouds' filesystem store). Not a mock of the SDK: Ferry's client talks HTTP to it.
 */
public final class RealS3 implements AutoCloseable {
  public static final String ACCESS_KEY = "ferry-test-access";
  public static final String SECRET_KEY = "ferry-test-secret-do-not-log";
  private final S3Proxy proxy;
  private final BlobStoreContext context;

  private RealS3(S3Proxy proxy, BlobStoreContext context) {
    this.proxy = proxy;
    this.context = context;
  }

  /** Starts on a free port with its objects under {@code dir}. */
  public static RealS3 start(Path dir) throws Exception {
    Properties properties = new Properties();
    properties.setProperty("jclouds.filesystem.basedir", dir.toString());
    BlobStoreContext context = ContextBuilder.newBuilder("filesystem").credentials("local", "local")
        .overrides(properties).buildView(BlobStoreContext.class);
    S3Proxy proxy = S3Proxy.builder().blobStore(context.getBlobStore())
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
    proxy.start();
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!"STARTED".equals(proxy.getState())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
      }
      Thread.sleep(10);
    }
    return new RealS3(proxy, context);
  }

  public String endpoint() {
    return "http://127.0.0.1:" + proxy.getPort();
  }

  /** The environment a step's pod gets from a storage Secret. */
  public Map<String, String> env() {
    return Map.of("FERRY_S3_ENDPOINT", endpoint(), "AWS_ACCESS_KEY_ID", ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY", SECRET_KEY, "AWS_REGION", "us-east-1");
  }

  public void createBucket(String name) {
    context.getBlobStore().createContainerInLocation(null, name);
  }

  @Override
  public void close() throws Exception {
    proxy.stop();
    context.close();
  }
}
