package dev.ferry.pipeline;

import dev.ferry.admission.Admission;
import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingPipelineSpec;
import dev.ferry.kube.DataUris;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a pipeline can run: first what the CRD states (schema and CEL, see {@link Admission}),
 * then what only the operator can check (cron syntax, time zones, which data URIs it can read and
 * write). Each problem names its field, for Ready=False/InvalidSpec.
 */
public final class PipelineSpecValidator {
  private PipelineSpecValidator() {
  }

  public static List<String> validate(TrainingPipeline pipeline) {
    List<String> admission = Admission.problems(pipeline);
    if (!admission.isEmpty()) {
      return admission;
    }
    TrainingPipelineSpec spec = pipeline.getSpec();
    if (spec == null) {
      return List.of("spec: Required value");
    }
    List<String> errors = new ArrayList<>();
    DataUris.readableProblem("spec.dataset.uri", spec.dataset.uri).ifPresent(errors::add);
    if (spec.artifacts != null) {
      DataUris.writableProblem("spec.artifacts.uri", spec.artifacts.uri).ifPresent(errors::add);
    }
    if (spec.stepDefaults != null) {
      errors.addAll(dev.ferry.kube.PodTemplates.problems("spec.stepDefaults.podTemplate", spec.stepDefaults.podTemplate));
    }
    for (int i = 0; i < spec.steps.size(); i++) {
      errors.addAll(dev.ferry.kube.PodTemplates.problems("spec.steps[" + i + "].podTemplate",
          spec.steps.get(i).podTemplate));
    }
    if (spec.triggers != null && spec.triggers.schedule != null) {
      CronSchedule.problem(spec.triggers.schedule).ifPresent(problem ->
          errors.add("spec.triggers.schedule: \"" + spec.triggers.schedule + "\" is " + problem));
    }
    if (spec.triggers != null && spec.triggers.timeZone != null) {
      try {
        ZoneId.of(spec.triggers.timeZone);
      } catch (DateTimeException e) {
        errors.add("spec.triggers.timeZone: unknown time zone \"" + spec.triggers.timeZone + "\"");
      }
    }
    return errors;
  }
}
