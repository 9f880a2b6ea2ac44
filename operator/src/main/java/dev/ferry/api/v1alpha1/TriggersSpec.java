package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/** What starts a training run automatically. */
public class TriggersSpec {
  @Pattern(CronSyntax.PATTERN)
  @JsonPropertyDescription("Cron expression (5 fields, Unix style, UTC unless timeZone is set) for scheduled runs.")
  public String schedule;

  @JsonPropertyDescription("IANA time zone the schedule is read in, e.g. Europe/Paris. Default UTC.")
  public String timeZone;

  @JsonPropertyDescription("Start a run when spec.dataset.uri changes. Default false.")
  public Boolean onDatasetChange = false;
}
