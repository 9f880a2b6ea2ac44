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

  /** Annotation on a TrainingPipeline: set it to any new value to start a run now. */
  public static final String ANNOTATION_RUN_NOW = GROUP + "/run-now";

  private Ferry() {
  }
}
