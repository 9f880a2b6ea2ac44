package dev.ferry.local;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The local mode's mapping file ({@code ferry-local.yaml} beside the example): which local command
 * runs each container image, and which folder stands for each PersistentVolumeClaim.
 *
 * <pre>
 * images:
 *   eclipse-temurin:17-jdk:
 *     command: [env]                      # the image's entrypoint; a container's command replaces it
 *     workingDir: .                       # relative to this file; default: this file's folder
 * volumes:
 *   datasets: data                        # pvc://datasets/... is ./data/...
 *   models: .ferry-local/models
 *   models/quickstart: .                  # a folder inside a claim stands for that part of it
 * </pre>
 */
public record LocalMapping(Path file, Map<String, ImageCommand> images, Map<String, Path> volumes) {
  public static final String FILE_NAME = "ferry-local.yaml";

  /** How one image runs here. */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public static class ImageCommand {
    public List<String> command;
    public String workingDir;
    public Map<String, String> env = new LinkedHashMap<>();
  }

  /** The file's YAML shape. */
  static class FileModel {
    public Map<String, ImageCommand> images = new LinkedHashMap<>();
    public Map<String, String> volumes = new LinkedHashMap<>();
  }

  public static LocalMapping empty(Path dir) {
    return new LocalMapping(dir.resolve(FILE_NAME), Map.of(), Map.of());
  }

  /** Reads the mapping file of a directory, or an empty mapping when there is none. */
  public static LocalMapping load(Path dir) throws IOException {
    Path file = dir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      return empty(dir);
    }
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    FileModel model;
    try {
      model = yaml.readValue(file.toFile(), FileModel.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(file + ", line " + (e.getLocation() == null ? "?" : e.getLocation().getLineNr()) + ": "
          + e.getOriginalMessage(), e);
    }
    if (model == null) {
      model = new FileModel();
    }
    Map<String, Path> volumes = new LinkedHashMap<>();
    Path base = file.toAbsolutePath().getParent();
    model.volumes.forEach((claim, folder) -> volumes.put(claim, base.resolve(folder).normalize()));
    for (var entry : model.images.entrySet()) {
      if (entry.getValue() == null || entry.getValue().command == null || entry.getValue().command.isEmpty()) {
        throw new IOException(file + ": images." + entry.getKey() + ".command: a command is required");
      }
    }
    return new LocalMapping(file.toAbsolutePath(), model.images, volumes);
  }

  public Optional<ImageCommand> command(String image) {
    return Optional.ofNullable(images.get(image));
  }

  public Path baseDir() {
    return file.getParent();
  }
}
