package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.List;

/** One step of a pipeline: a container image, or one of Ferry's built-in tools, run as a Job. */
@ValidationRule(value = "has(self.image) != has(self.builtin)", message = "a step sets exactly one of image or builtin")
@ValidationRule(value = "!has(self.builtin) || (!has(self.command))", message = "a builtin step takes no command")
@ValidationRule(value = "!has(self.builtin) || !has(self.workers) || self.workers == 1",
    message = "a builtin step runs as one worker")
public class StepSpec extends PodSettings {
  /** Step names are bounded so that Job names (&lt;run&gt;-&lt;step&gt;) fit in 63 characters. */
  public static final int MAX_NAME = 30;

  @Required
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @io.fabric8.generator.annotation.Size(max = MAX_NAME)
  @JsonPropertyDescription("Step name, a DNS label of at most 30 characters, unique in the pipeline; the Job is <run>-<step>.")
  public String name;

  @JsonPropertyDescription("Container image that runs the step. Exactly one of image or builtin.")
  public String image;

  @JsonPropertyDescription("A tool built into Ferry's own image: validate-data. Exactly one of image or builtin.")
  public Builtin builtin;

  @JsonPropertyDescription("Entrypoint override for the image.")
  public List<String> command;

  @JsonPropertyDescription("Arguments; $(FERRY_PARAM_X) references are expanded by Kubernetes.")
  public List<String> args;

  @JsonPropertyDescription("Extra environment variables for the step's container.")
  public List<EnvVar> env;

  @JsonPropertyDescription("CPU and memory for the step's container; default: the pipeline's stepDefaults.")
  public ResourceRequirements resources;

  @Min(1)
  @Max(256)
  @JsonPropertyDescription("Workers that train together (data-parallel). More than 1 runs the step as an Indexed Job"
      + " of that many pods with a headless Service; each gets WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR and"
      + " MASTER_PORT (PyTorch's names: torchrun-style scripts work unchanged). Rank 0's result is the step's result;"
      + " one failing worker fails the step, and a distributed step's pods are not retried one by one. Default 1.")
  public Integer workers;

  @Min(0)
  @Max(10)
  @JsonPropertyDescription("Retries of the step's pod before the step fails. Default: stepDefaults, else 0.")
  public Integer backoffLimit;

  @Min(1)
  @JsonPropertyDescription("Longest the step's Job may run, in seconds, before it fails. Default: stepDefaults, else none.")
  public Long activeDeadlineSeconds;

  public enum Builtin {
    @com.fasterxml.jackson.annotation.JsonProperty("validate-data") validateData;

    /** The subcommand of Ferry's jar this builtin runs. */
    public String command() {
      return "validate-data";
    }
  }
}
