package dev.ferry.testing;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.local.ContainerRunner;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A container runner whose steps answer what the test scripts, by step name: the test decides each
 * step's exit code and termination message, and can hold a step until it releases it.
 */
public final class ScriptedRunner implements ContainerRunner {
  /** A scripted step: one Exit per attempt, the last one repeating. */
  public interface Script {
    Exit run(Pod pod, Container container, int attempt) throws InterruptedException;
  }

  private final Map<String, Script> scripts = new ConcurrentHashMap<>();
  private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
  private final Map<String, CountDownLatch> holds = new ConcurrentHashMap<>();
  /** Pod names in the order their containers started. */
  public final List<String> started = new CopyOnWriteArrayList<>();

  public ScriptedRunner on(String step, Script script) {
    scripts.put(step, script);
    return this;
  }

  public ScriptedRunner succeed(String step, String result) {
    return on(step, (p, c, a) -> new Exit(0, result, "Completed", "docker-pullable://" + c.getImage() + "@sha256:"
        + "a".repeat(64)));
  }

  public ScriptedRunner fail(String step, int exitCode, String message) {
    return on(step, (p, c, a) -> new Exit(exitCode, message, "Error", null));
  }

  /** Steps held here wait until {@link #release} is called. */
  public void hold(String step) {
    holds.put(step, new CountDownLatch(1));
  }

  public void release(String step) {
    CountDownLatch latch = holds.remove(step);
    if (latch != null) {
      latch.countDown();
    }
  }

  @Override
  public Exit run(Pod pod, Container container, Duration timeout) throws InterruptedException {
    // Pipeline steps are keyed by their step name, other Jobs (smoke tests) by their container's name.
    String step = pod.getMetadata().getLabels().getOrDefault(Ferry.LABEL_STEP, container.getName());
    started.add(pod.getMetadata().getName());
    CountDownLatch hold = holds.get(step);
    if (hold != null) {
      boolean released = timeout == null ? hold.await(60, TimeUnit.SECONDS)
          : hold.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!released) {
        return new Exit(137, "", "DeadlineExceeded", null);
      }
    }
    Script script = scripts.get(step);
    if (script == null) {
      return new Exit(0, "", "Completed", null);
    }
    int attempt = attempts.merge(pod.getMetadata().getLabels().get("job-name"), 1, Integer::sum) - 1;
    return script.run(pod, container, attempt);
  }
}
