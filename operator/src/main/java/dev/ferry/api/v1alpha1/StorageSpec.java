package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/**
 * How Ferry's pods reach object storage (s3://, gs://): an S3 API endpoint and where the keys
 * are. Without a Secret, the pod's own identity (its service account's web identity token, the
 * node's instance role) is used.
 */
public class StorageSpec {
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
  @io.fabric8.generator.annotation.Size(max = 253)
  @JsonPropertyDescription("Secret (same namespace) whose keys become the pod's environment: AWS_ACCESS_KEY_ID,"
      + " AWS_SECRET_ACCESS_KEY, and optionally AWS_SESSION_TOKEN, AWS_REGION, FERRY_S3_ENDPOINT. Ferry never reads"
      + " it; the kubelet gives it to the pod.")
  public String secretRef;

  @Pattern("^https?://[^\\s/]+(/.*)?$")
  @JsonPropertyDescription("The S3 API's address (MinIO, Ceph, R2: https://minio.example:9000). Default: AWS for"
      + " s3://, https://storage.googleapis.com for gs://.")
  public String endpoint;

  @JsonPropertyDescription("Signing region. Default: AWS_REGION from the Secret, else us-east-1.")
  public String region;

  @JsonPropertyDescription("Bucket in the path rather than the host name. Default: true when an endpoint is set.")
  public Boolean pathStyle;
}
