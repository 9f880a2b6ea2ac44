package dev.ferry.pipeline;

import dev.ferry.api.v1alpha1.MetricGate;
import dev.ferry.api.v1alpha1.StepSpec;
import dev.ferry.api.v1alpha1.TrainingPipelineSpec;
import dev.ferry.kube.PvcUris;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a pipeline spec the way the CRD's schema and CEL rules would, plus what only the
 * operator can check (cron syntax, time zones). The API server enforces the CRD; this catches
 * specs that reached the operator anyway (older CRDs, clusters without CEL, the mock server)
 * and names the field, so the pipeline gets Ready=False/InvalidSpec instead of a crash.
 */
public final class PipelineSpecValidator {
  private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  /** Step names are capped so that Job names (<run>-<step>) fit in 63 characters. */
  static final int MAX_STEP_NAME = 30;

  private PipelineSpecValidator() {
  }

  public static List<String> validate(TrainingPipelineSpec spec) {
    List<String> errors = new ArrayList<>();
    if (spec == null) {
      errors.add("spec: required");
      return errors;
    }
    if (spec.model == null || !DNS_LABEL.matcher(spec.model).matches()) {
      errors.add("spec.model: must be a lowercase DNS label, got " + quote(spec.model));
    }
    dev.ferry.kube.DataUris.readableProblem("spec.dataset.uri", spec.dataset == null ? null : spec.dataset.uri)
        .ifPresent(errors::add);
    if (spec.artifacts != null) {
      dev.ferry.kube.DataUris.writableProblem("spec.artifacts.uri", spec.artifacts.uri).ifPresent(errors::add);
    }
    validateSteps(spec.steps, errors);
    validateGates(spec, errors);
    if (spec.triggers != null && spec.triggers.schedule != null) {
      CronSchedule.problem(spec.triggers.schedule).ifPresent(problem ->
          errors.add("spec.triggers.schedule: " + quote(spec.triggers.schedule) + " is " + problem));
    }
    if (spec.triggers != null && spec.triggers.timeZone != null) {
      try {
        ZoneId.of(spec.triggers.timeZone);
      } catch (DateTimeException e) {
        errors.add("spec.triggers.timeZone: unknown time zone " + quote(spec.triggers.timeZone));
      }
    }
    if (spec.runHistoryLimit != null && spec.runHistoryLimit < 1) {
      errors.add("spec.runHistoryLimit: must be at least 1");
    }
    return errors;
  }

  private static void validateSteps(List<StepSpec> steps, List<String> errors) {
    if (steps == null || steps.isEmpty()) {
      errors.add("spec.steps: at least one step is required");
      return;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < steps.size(); i++) {
      StepSpec step = steps.get(i);
      String at = "spec.steps[" + i + "]";
      if (step.name == null || !DNS_LABEL.matcher(step.name).matches() || step.name.length() > MAX_STEP_NAME) {
        errors.add(at + ".name: must be a DNS label of at most " + MAX_STEP_NAME + " characters, got " + quote(step.name));
      } else if (!seen.add(step.name)) {
        errors.add(at + ".name: duplicate step name " + quote(step.name));
      }
      boolean hasImage = step.image != null && !step.image.isBlank();
      if (hasImage == (step.builtin != null)) {
        errors.add(at + ": set exactly one of image or builtin");
      }
      if (step.builtin != null && step.command != null) {
        errors.add(at + ".command: a builtin step takes no command");
      }
    }
  }

  private static void validateGates(TrainingPipelineSpec spec, List<String> errors) {
    if (spec.validation == null || spec.validation.metrics == null) {
      return;
    }
    for (int i = 0; i < spec.validation.metrics.size(); i++) {
      MetricGate gate = spec.validation.metrics.get(i);
      String at = "spec.validation.metrics[" + i + "]";
      if (gate.name == null || gate.name.isBlank()) {
        errors.add(at + ".name: required");
      }
      if (gate.min == null && gate.max == null) {
        errors.add(at + ": needs min or max");
      } else if (gate.min != null && gate.max != null && gate.min > gate.max) {
        errors.add(at + ": min " + gate.min + " exceeds max " + gate.max);
      }
    }
  }

  private static String quote(String value) {
    return value == null ? "nothing" : "\"" + value + "\"";
  }
}
