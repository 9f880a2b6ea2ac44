package dev.ferry.api.v1alpha1;

/** Names shared by every kind: the API group, its version, and the labels and annotations Ferry writes. */
public final class Ferry {
  public static final String GROUP = "ferry.dev";
  public static final String VERSION = "v1alpha1";
  public static final String API_VERSION = GROUP + "/" + VERSION;

  /** Label on ModelVersions, TrainingRuns and Jobs: the model a resource belongs to. */
  public static final String LABEL_MODEL = GROUP + "/model";
  /** Label on TrainingRuns and Jobs: the pipeline they belong to. */
  public static final String LABEL_PIPELINE = GROUP + "/pipeline";
  /** Label on Jobs and ModelVersions: the run that made them. */
  public static final String LABEL_RUN = GROUP + "/run";
  /** Label on Jobs: the step a Job runs. */
  public static final String LABEL_STEP = GROUP + "/step";
  /** Label on objects Ferry manages. */
  public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "ferry";

  /** Label on serving objects: the ModelDeployment they belong to. */
  public static final String LABEL_DEPLOYMENT = GROUP + "/deployment";
  /** Label on serving objects: the model version they serve. */
  public static final String LABEL_VERSION = GROUP + "/version";
  /** Label on serving pods: staging or production; the production Service selects production. */
  public static final String LABEL_TRACK = GROUP + "/track";

  /** Annotation on a ModelDeployment: approve candidate N ({@code kubectl annotate md churn ferry.dev/approve=8}). */
  public static final String ANNOTATION_APPROVE = GROUP + "/approve";
  /** Annotation on a DriftPolicy: any new value runs a drift check now. */
  public static final String ANNOTATION_CHECK_NOW = GROUP + "/check-now";
  /** Annotation on drift-check Jobs: the folder (spec.report.uri) their HTML page goes to. */
  public static final String ANNOTATION_REPORT_URI = GROUP + "/report-uri";
  /** Label on drift-check Jobs: the DriftPolicy they check for. */
  public static final String LABEL_DRIFT_POLICY = GROUP + "/drift-policy";

  /** Annotation on a ModelDeployment: any new value returns production to its previous good version. */
  public static final String ANNOTATION_ROLLBACK = GROUP + "/rollback";

  /**
   * Annotation on a ModelDeployment: try rejected version N again ({@code ferry.dev/retry=3}); a
   * suffix after a dot makes a new request for the same version ({@code ferry.dev/retry=3.2}).
   */
  public static final String ANNOTATION_RETRY = GROUP + "/retry";

  private Ferry() {
  }
}
